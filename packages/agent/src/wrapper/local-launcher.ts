import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { LOCAL_JOB_ID_PREFIX } from '../rank/detect.js';
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
