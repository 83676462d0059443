/** Helpers of the fault tests: real `prov4ml aggregate` and `prov4ml run -n N` processes, and what they leave on disk. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../support/run-dir.js';

export const LOG_POINTS_PROGRAM = join(REPO_ROOT, 'test/fixtures/log-points.mjs');

/** A real child process with its output collected and its end observable. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code (a shell's 128+N for a signal) and the wall-clock time of the exit. */
  exited: Promise<{ code: number; at: number }>;
}

export function start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  return startCommand(process.execPath, args, { ...process.env, ...env });
}

/** Any command, with exactly the environment `env`. */
export function startCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<{ code: number; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code: code ?? 128 + signalNumber(signal), at: Date.now() })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 0;
}

/** `prov4ml aggregate --bind tcp://127.0.0.1:<port> …`, resolved once it has printed its endpoint. */
export async function startAggregate(port: number, extraArgs: string[] = []): Promise<Running> {
  const aggregate = start([CLI, 'aggregate', '--bind', `tcp://127.0.0.1:${port}`, ...extraArgs]);
  await waitUntil(() => aggregate.stdout().includes('tcp://') || aggregate.child.exitCode !== null, 30_000);
  if (!aggregate.stdout().includes(`:${port}`)) throw new Error(`aggregate did not bind ${port}: ${aggregate.stderr()}`);
  return aggregate;
}

/** `prov4ml run -n <ranks>` of test/fixtures/log-points.mjs, saving under `saveDir`. */
export function startJob(ranks: number, saveDir: string, env: NodeJS.ProcessEnv): Running {
  return start([CLI, 'run', '-n', String(ranks), '--metrics-interval', '0', '--', process.execPath, LOG_POINTS_PROGRAM], {
    PROV4ML_PROVENANCE_SAVE_DIR: saveDir,
    PRINT_END_TIME: '1',
    ...env,
  });
}

/** Epoch ms of the last `end_run_at` line the fixture printed (its program's end, as late as any rank's). */
export function lastProgramEnd(stdout: string): number {
  const ends = [...stdout.matchAll(/end_run_at (\d+)/g)].map((match) => Number(match[1]));
  if (ends.length === 0) throw new Error(`no program printed end_run_at: ${stdout}`);
  return Math.max(...ends);
}

/** Bytes the aggregator has put in its received logs so far (0 before the run directory exists). */
export function receivedLogBytes(saveDir: string): number {
  let total = 0;
  for (const run of safeReaddir(saveDir).filter((name) => !name.startsWith('.'))) {
    const logs = join(saveDir, run, '.aggregator');
    for (const name of safeReaddir(logs)) total += statSync(join(logs, name)).size;
  }
  return total;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Peak VmRSS (bytes) of a process, sampled every `intervalMs` until `stop()` is called. */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    try {
      const kib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kib * 1024);
    } catch {
      // The process is gone: its peak so far stands.
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error(`condition not met within ${timeoutMs} ms`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
