import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { constants, hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '@prov4ml/prov-core';
import { Agent } from './agent.js';
import { agentChannelHandler, type ProgramEnd } from './channel-handler.js';
import { startChannelServer } from './channel/server.js';
import type { RunOptions } from './config.js';
import { detectJob, type JobInfo } from './detect.js';
import { resolveAggregatorEndpoint } from './endpoint.js';
import { runStartRecord } from './observe.js';
import { PeriodicSampler } from './periodic.js';
import type { Sampler } from './sampling.js';
import { undeliveredMessage } from './sinks.js';

/** The Python client shipped with this package; the wrapper puts it on the child's PYTHONPATH. */
export const PYTHON_CLIENT_DIR = fileURLToPath(new URL('../python', import.meta.url));

/** Signals a batch system or a user sends to stop a job; the wrapper passes them on to its child. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];

export interface WrapOptions {
  /** The program and its arguments. */
  command: string[];
  run: RunOptions;
  env: Record<string, string | undefined>;
  /** Seconds between periodic system samples; 0 turns them off. */
  metricsIntervalS: number;
  sampler?: Sampler;
  log: (line: string) => void;
}

/**
 * `prov4ml run -- CMD`: one rank's wrapper. It becomes the rank's agent (and on the hosting rank the
 * aggregator), runs CMD as its child with stdio passed through and signals forwarded, serves the
 * local channel to it, and records how it ended. Resolves to the exit code to propagate.
 */
export async function runWrapped(options: WrapOptions): Promise<number> {
  if (options.command.length === 0) throw new UserError('run: no command given (usage: prov4ml run [options] -- CMD ...)');
  const job = detectJob(options.env, { rank: options.run.rank, worldSize: options.run.worldSize, jobId: options.run.jobId });
  const agent = createAgent(job, options);
  let programEnd: ProgramEnd = { createGraph: false, createSvg: false };
  const channelPath = join(tmpdir(), `prov4ml-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  const server = await startChannelServer({
    path: channelPath,
    handler: agentChannelHandler(agent, options.run, (end) => (programEnd = end), options.log),
  });
  if (options.run.experimentName !== null) {
    await agent.configure({ ...runConfigOf(options.run, options.run.experimentName), provenanceSaveDir: options.run.provenanceSaveDir });
  }

  const child = spawnChild(options, channelPath);
  agent.submit(runStartRecord(job, { pid: child.pid ?? -1, argv: options.command, cwd: process.cwd(), env: options.env, wrapped: true }));
  const sampler = options.sampler && options.metricsIntervalS > 0 ? new PeriodicSampler(agent, options.metricsIntervalS * 1000) : undefined;
  sampler?.start();

  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const { code, signal } = await childExit(child, options);
  for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  sampler?.stop();

  const report = await agent.shutdown({ exitCode: code, signal, clean: signal === null, ...programEnd });
  await server.close();
  rmSync(channelPath, { force: true });
  if (!report.delivered) options.log(undeliveredMessage(report.spoolPath, report.runDir));
  // A shell reports a child killed by signal N as 128 + N; so do we.
  return signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0);
}

function createAgent(job: JobInfo, options: WrapOptions): Agent {
  const placement = resolveAggregatorEndpoint(job, { aggregator: options.run.aggregator, port: options.run.port, hostname: hostname() });
  return new Agent({
    job,
    placement,
    defaultSaveDir: options.run.provenanceSaveDir ?? 'prov',
    runId: options.run.runId,
    log: options.log,
    ...(options.sampler ? { sampler: options.sampler } : {}),
  });
}

export function runConfigOf(run: RunOptions, experimentName: string) {
  return {
    kind: 'run_config' as const,
    time: Date.now(),
    provUserNamespace: run.provUserNamespace,
    experimentName,
    collectAllProcesses: run.collectAllProcesses,
    saveAfterNLogs: run.saveAfterNLogs,
  };
}

function spawnChild(options: WrapOptions, channelPath: string): ChildProcess {
  const pythonPath = [PYTHON_CLIENT_DIR, options.env.PYTHONPATH].filter(Boolean).join(delimiter);
  const [program, ...args] = options.command as [string, ...string[]];
  return spawn(program, args, {
    stdio: 'inherit',
    env: { ...options.env, PROV4ML_CHANNEL: channelPath, PYTHONPATH: pythonPath },
  });
}

function childExit(child: ChildProcess, options: WrapOptions): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      options.log(`cannot start ${options.command[0]}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
