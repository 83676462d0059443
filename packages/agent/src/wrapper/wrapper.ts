import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserError, UserError } from '@prov4ml/prov-core';
import { bootstrapRank, type Rank } from '../rank/bootstrap.js';
import { shutdownNotice, type ShutdownReport } from '../rank/shutdown-report.js';
import { agentChannelHandler, type ProgramEnd } from '../channel/handler.js';
import type { EndRunOutcome } from '../channel/protocol.js';
import { startChannelServer } from '../channel/server.js';
import type { RunOptions } from '../config/options.js';
import { exitStatus } from './exit-status.js';
import { START_RUN_GRACE_MS } from '../config/limits.js';
import type { MetricsOptions } from '../metrics/options.js';
import { runConfigFrom } from '../rank/run-config.js';
import type { RelaySetting } from '../relay/node-relay.js';

/** The Python client shipped with this package; the wrapper puts it on the child's PYTHONPATH. */
export const PYTHON_CLIENT_DIR = fileURLToPath(new URL('../../python', import.meta.url));

/** How often `prov4ml agent` checks that the program it serves is still there. */
const PARENT_POLL_INTERVAL_MS = 500;

/** Signals a batch system or a user sends to stop a job; the wrapper passes them on to its child. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];

export interface WrapOptions {
  /** The program and its arguments. */
  command: string[];
  run: RunOptions;
  env: Record<string, string | undefined>;
  /** Sampler configuration; `intervalSeconds` 0 turns periodic samples off (on-demand ones still work). */
  metrics: MetricsOptions;
  log: (line: string) => void;
}

/**
 * `prov4ml run -- CMD`: one rank's wrapper. It becomes the rank's agent (and on the hosting rank the
 * aggregator), runs CMD as its child with stdio passed through and signals forwarded, serves the
 * local channel to it, and records how it ended. Resolves to the exit code to propagate.
 */
export async function runWrapped(options: WrapOptions): Promise<number> {
  if (options.command.length === 0) throw new UserError('run: no command given (usage: prov4ml run [options] -- CMD ...)');
  let rank: OpenRank;
  try {
    // The wrapper outlives its program and ends the rank once it has exited: end_run only needs the
    // program's records in the spool.
    rank = await openRank({ ...options, relay: options.run.relay }, join(tmpdir(), `prov4ml-${process.pid}-${randomBytes(4).toString('hex')}.sock`), async () => {
      await rank.agent.persist();
      return { complete: true };
    });
  } catch (error) {
    if (!isUserError(error)) throw error;
    return runWithoutProvenance(options, error.message);
  }
  const child = spawnChild(options, { PROV4ML_CHANNEL: rank.channelPath });
  // Listen for the end at once: a short program can exit while the samplers are still starting.
  const ended = supervise(child, options);
  rank.observe({ pid: child.pid ?? -1, argv: options.command, cwd: process.cwd(), env: options.env, wrapped: true });
  await rank.startSamplers(child.pid ?? null, options.metrics.intervalSeconds);
  const { code, signal } = await ended;
  await rank.close({ exitCode: code, signal, clean: signal === null });
  return exitStatus(code, signal);
}

/**
 * Runs the program unobserved after a configuration problem, saying why once: a mistake in the job's
 * environment must not cost the user their training run.
 */
export async function runWithoutProvenance(options: Pick<WrapOptions, 'command' | 'env' | 'log'>, reason: string): Promise<number> {
  options.log(`${reason}; running ${options.command[0]} without provenance`);
  const { code, signal } = await supervise(spawnChild(options, {}), options);
  return exitStatus(code, signal);
}

export interface ServeOptions extends Omit<WrapOptions, 'command'> {
  /** Unix socket path the program connects to. */
  channelPath: string;
  /** The program this agent serves; when it dies without end_run, the run is recorded as unfinished. */
  parentPid: number;
}

/**
 * `prov4ml agent`: the agent a Python program starts for itself when no wrapper runs it. It serves
 * the channel until the program ends its run, or until the program disappears.
 */
export async function serveAgent(options: ServeOptions): Promise<void> {
  let ended: (end: ProgramEnd) => void = () => {};
  const programEnded = new Promise<ProgramEnd>((resolve) => (ended = resolve));
  let finished: (outcome: EndRunOutcome) => void = () => {};
  const outcome = new Promise<EndRunOutcome>((resolve) => (finished = resolve));
  // The program's end_run (or its exit path) is answered once the rank's files are complete, so that
  // the program exits after them (under srun, leftover processes are killed with the task).
  const rank = await openRank(options, options.channelPath, (end) => {
    ended(end);
    return outcome;
  });
  rank.observe({ pid: options.parentPid, ...processFacts(options.parentPid), env: options.env, wrapped: false });
  // Started while the program already logs: its sample requests wait for the samplers, none is dropped.
  await rank.startSamplers(options.parentPid, options.metrics.intervalSeconds);
  const parent = watchExit(options.parentPid);
  const end = await Promise.race([programEnded, parent.gone.then(() => null)]);
  parent.stop();
  const exit = end?.exit ?? null;
  // As a wrapper sees its child: an exit path that tells its status is clean unless a signal ended it.
  await rank.close({ exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, clean: end !== null && (exit?.signal ?? null) === null }, (report) => {
    const notice = shutdownNotice(report);
    finished(notice === null && report.spoolPath !== undefined ? { complete: true } : { complete: false, message: notice ?? 'no run directory could be made; nothing was recorded' });
  });
}

interface OpenRank extends Rank {
  channelPath: string;
  /** Ends the rank; `settled` sees the report before the channel closes (to answer end_run on it). */
  close(end: { exitCode: number | null; signal: string | null; clean: boolean }, settled?: (report: ShutdownReport) => void): Promise<void>;
}

/** The parts every rank's agent process has: the rank (see bootstrapRank) and the channel its program talks to. */
async function openRank(
  options: Omit<WrapOptions, 'command'> & { relay?: RelaySetting },
  channelPath: string,
  onProgramEnd: (end: ProgramEnd) => Promise<EndRunOutcome>,
): Promise<OpenRank> {
  // The program's start_run names the run; flags and PROV4ML_* only fill in what it leaves unset.
  const rank = bootstrapRank({ ...options, fallbackConfig: runConfigFrom(options.run) });
  const { agent } = rank;
  let programEnd = { createGraph: false, createSvg: false, crateRoCrate: false, zipRunDir: false, unifyExperiments: false };
  const server = await startChannelServer({
    path: channelPath,
    handler: agentChannelHandler(
      agent,
      options.run,
      (end) => {
        const { createGraph, createSvg, crateRoCrate, zipRunDir, unifyExperiments } = end;
        programEnd = { createGraph, createSvg, crateRoCrate, zipRunDir, unifyExperiments };
        return onProgramEnd(end);
      },
      options.log,
    ),
  });
  // A program that never calls start_run (any command) still gets its run directory and spool soon,
  // so a long run is not held in memory; a start_run within the grace period names the run itself.
  const fallback = setTimeout(() => {
    agent.configureFromOptions(false).catch((error: unknown) => options.log((error as Error).message));
  }, START_RUN_GRACE_MS);
  fallback.unref();
  return {
    ...rank,
    channelPath,
    async close(end, settled) {
      clearTimeout(fallback);
      try {
        const report = await rank.end({ ...end, ...programEnd });
        if (settled) {
          settled(report);
          // The reply goes out on the next turns of the event loop; closing the server now would cut it.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        // An open channel would keep the wrapper alive after its program has ended.
        await server.close();
        rmSync(channelPath, { force: true });
      }
    },
  };
}

/** The command line and working directory of another process (from /proc; placeholders elsewhere). */
function processFacts(pid: number): { argv: string[]; cwd: string } {
  try {
    return { argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean), cwd: readlinkSync(`/proc/${pid}/cwd`) };
  } catch {
    return { argv: [`pid ${pid}`], cwd: process.cwd() };
  }
}

/** `gone` resolves when process `pid` no longer exists (polled: it is not our child); `stop` ends the polling. */
function watchExit(pid: number): { gone: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(timer);
        resolve();
      }
    }, PARENT_POLL_INTERVAL_MS);
  });
  return { gone, stop: () => clearInterval(timer) };
}

function spawnChild(options: Pick<WrapOptions, 'command' | 'env'>, extraEnv: Record<string, string>): ChildProcess {
  const pythonPath = [PYTHON_CLIENT_DIR, options.env.PYTHONPATH].filter(Boolean).join(delimiter);
  const [program, ...args] = options.command as [string, ...string[]];
  return spawn(program, args, { stdio: 'inherit', env: { ...options.env, PYTHONPATH: pythonPath, ...extraEnv } });
}

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Waits for the child, passing on the signals a batch system or a user sends to the wrapper. */
async function supervise(child: ChildProcess, options: Pick<WrapOptions, 'command' | 'log'>): Promise<ChildEnd> {
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await childExit(child, options);
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

function childExit(child: ChildProcess, options: Pick<WrapOptions, 'command' | 'log'>): Promise<ChildEnd> {
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      options.log(`cannot start ${options.command[0]}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
