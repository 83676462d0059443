/**
 * Simulated ranks in a few processes (rank-senders-child.ts): each process plays a group of ranks,
 * each rank with its own sockets and sender id. Processes get ready (envelopes encoded, sockets
 * connected) before anything is timed; `go` starts them all at once; `close` ends them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SenderTarget } from '../packages/agent/src/pipeline/sender.js';

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
  /** The process is a node: it runs the node's relay, bound at `endpoint`, forwarding to this aggregator. */
  relay?: SenderTarget;
  /** The network namespace the process runs in (`ip netns exec`); this host's otherwise. */
  netns?: string;
  /** How long a rank waits for its acks before the bench fails (default: the child's ACK_TIMEOUT_MS). */
  ackTimeoutMs?: number;
}

export interface SenderProcessDone {
  /** Epoch ms when the last of its ranks handed over its final envelope (its run end, if it has one). */
  lastEndAt: number;
}

export interface ReadySenders {
  /** Starts every process's sending; resolves with their reports once all have sent everything. */
  go(): Promise<SenderProcessDone[]>;
  /** Lets the processes close their sockets and exit; resolves once all have exited cleanly. */
  close(): Promise<void>;
}

/** Ranks 0..worldSize-1 in `processes` contiguous groups. */
export function rankGroups(worldSize: number, processes: number): number[][] {
  const size = Math.ceil(worldSize / processes);
  return Array.from({ length: processes }, (_, group) => Array.from({ length: Math.min(size, worldSize - group * size) }, (_, i) => group * size + i)).filter(
    (group) => group.length > 0,
  );
}

export async function launchSenders(specs: readonly SenderProcessSpec[], processTimeoutMs = SENDER_PROCESS_TIMEOUT_MS): Promise<ReadySenders> {
  const children = specs.map((spec) =>
    fork(CHILD, [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], timeout: processTimeoutMs, ...inNamespace(spec.netns) }),
  );
  const exits = children.map(cleanExit);
  // Every step also watches the exits, so a process that dies fails the bench instead of hanging it.
  const step = <T>(each: Promise<T>[]): Promise<T[]> => Promise.race([Promise.all(each), Promise.all(exits).then(() => Promise.reject(new Error('bench: a sender process exited early')))]);
  try {
    await step(children.map(nextMessage));
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  return {
    go: () => {
      const reports = children.map((child) => nextMessage(child) as Promise<SenderProcessDone>);
      for (const child of children) child.send('go');
      return step(reports);
    },
    close: async () => {
      for (const child of children) child.send('close');
      await Promise.all(exits);
    },
  };
}

/** fork's options that start the child inside network namespace `netns` (the IPC channel's descriptor goes through `ip netns exec`). */
function inNamespace(netns: string | undefined): { execPath?: string; execArgv?: string[] } {
  return netns === undefined ? {} : { execPath: 'ip', execArgv: ['netns', 'exec', netns, process.execPath, ...process.execArgv] };
}

function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => child.once('message', resolve));
}

function cleanExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench: a sender process ended with ${signal ?? `exit status ${code}`}`))));
  });
}
