/**
 * Simulated ranks in a few processes (rank-senders-child.ts): each process plays a group of ranks,
 * each rank with its own sockets and sender id. Processes get ready (envelopes encoded, sockets
 * connected) before anything is timed; `go` starts them all at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./rank-senders-child.ts', import.meta.url));

/** A sender process gives up (and the bench fails) after this long. */
const SENDER_PROCESS_TIMEOUT_MS = 120_000;

export interface SenderProcessSpec {
  mode: 'agent' | 'raw';
  endpoint: string;
  job: string;
  runDir: string;
  worldSize: number;
  ranks: number[];
  /** Points per series per frame (two series per frame). */
  pointsPerFrame: number;
  frames: number;
  withoutRunEnd?: boolean;
}

export interface SenderProcessDone {
  /** Epoch ms when the last of its ranks handed over its final envelope (its run end, if it has one). */
  lastEndAt: number;
}

export interface ReadySenders {
  /** Starts every process's sending; resolves when all have finished and exited. */
  go(): Promise<SenderProcessDone[]>;
}

/** Ranks 0..worldSize-1 in `processes` contiguous groups. */
export function rankGroups(worldSize: number, processes: number): number[][] {
  const size = Math.ceil(worldSize / processes);
  return Array.from({ length: processes }, (_, group) => Array.from({ length: Math.min(size, worldSize - group * size) }, (_, i) => group * size + i)).filter(
    (group) => group.length > 0,
  );
}

export async function launchSenders(specs: readonly SenderProcessSpec[]): Promise<ReadySenders> {
  const children = specs.map((spec) => fork(CHILD, [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], timeout: SENDER_PROCESS_TIMEOUT_MS }));
  const finished = children.map(outcome);
  try {
    await Promise.race([Promise.all(children.map(readiness)), Promise.all(finished)]);
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  return {
    go: () => {
      for (const child of children) child.send('go');
      return Promise.all(finished);
    },
  };
}

function readiness(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('message', () => resolve()));
}

/** The process's report, once it has exited cleanly. */
function outcome(child: ChildProcess): Promise<SenderProcessDone> {
  return new Promise((resolve, reject) => {
    let report: SenderProcessDone | undefined;
    child.on('message', (message) => {
      if (typeof message === 'object') report = message as SenderProcessDone;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && report !== undefined) resolve(report);
      else reject(new Error(`bench: a sender process ended with ${signal ?? `exit status ${code}`} before reporting`));
    });
  });
}
