import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { UserError } from '@prov4ml/prov-core';
import { detectJob, LOCAL_JOB_ID_PREFIX } from '../rank/detect.js';
import { exitStatus } from './exit-status.js';

export interface LocalLaunchOptions {
  /** Number of ranks to start on this machine. */
  ranks: number;
  /** The command that starts one rank's wrapper, e.g. [node, prov4ml.js, 'run', …flags, '--', …program]. */
  rankCommand: string[];
  env: Record<string, string | undefined>;
  /** PROV4ML_JOB_ID when given; else a fresh `local-<uuid>` shared by the ranks. */
  jobId: string | null;
  log: (line: string) => void;
}

/**
 * `prov4ml run -n N` without a launcher: the embedded default. Starts N wrappers on this machine,
 * each told its rank, the world size and a job id they share, and waits for all of them. Signals
 * reach every rank. Resolves to the first non-zero exit code, or 0.
 */
export async function launchLocalRanks(options: LocalLaunchOptions): Promise<number> {
  const jobId = options.jobId ?? `${LOCAL_JOB_ID_PREFIX}${randomUUID()}`;
  const [program, ...args] = options.rankCommand as [string, ...string[]];
  const children: ChildProcess[] = [];
  for (let rank = 0; rank < options.ranks; rank++) {
    children.push(
      spawn(program, args, {
        stdio: 'inherit',
        env: {
          ...options.env,
          PROV4ML_RANK: String(rank),
          PROV4ML_WORLD_SIZE: String(options.ranks),
          PROV4ML_JOB_ID: jobId,
        },
      }),
    );
  }
  const forward = (signal: NodeJS.Signals) => children.forEach((child) => child.kill(signal));
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  const codes = await Promise.all(
    children.map(
      (child, rank) =>
        new Promise<number>((resolve) => {
          child.once('error', (error) => {
            options.log(`rank ${rank} could not start: ${error.message}`);
            resolve(127);
          });
          child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
        }),
    ),
  );
  for (const signal of signals) process.off(signal, forward);
  return codes.find((code) => code !== 0) ?? 0;
}

export interface LocalRunOptions extends Omit<LocalLaunchOptions, 'rankCommand'> {
  /** This process's argv (node, the prov4ml script, 'run', its flags, '--', the program). */
  argv: string[];
  /** The program and its arguments. */
  command: string[];
}

/**
 * `prov4ml run -n N -- CMD`: N local ranks, each a `prov4ml run` with the same flags but -n, outside any
 * launcher. Resolves to the exit code to propagate.
 * @throws UserError when N is not a positive integer or a launcher already starts the ranks.
 */
export function runLocalRanks(options: LocalRunOptions): Promise<number> {
  const { ranks, argv, command, ...launch } = options;
  if (!Number.isInteger(ranks) || ranks < 1) throw new UserError(`run: -n must be a positive integer, got ${ranks}`);
  const job = detectJob(options.env, {});
  if (job.launcher !== 'single') {
    throw new UserError(`run: -n starts local ranks, but this process already runs under ${job.launcher}; drop -n and let the launcher start the ranks`);
  }
  return launchLocalRanks({ ...launch, ranks, rankCommand: [process.execPath, argv[1]!, 'run', ...forwardedFlags(argv), '--', ...command] });
}

/** The wrapper flags given to `run -n N`, passed on to every rank except -n itself. */
function forwardedFlags(argv: string[]): string[] {
  const separator = argv.indexOf('--');
  const flags = argv.slice(argv.indexOf('run') + 1, separator < 0 ? undefined : separator);
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (flag === '-n' || flag === '--nprocs') i++;
    else if (!/^(-n|--nprocs)=/.test(flag) && !/^-n\d+$/.test(flag)) kept.push(flag);
  }
  return kept;
}
