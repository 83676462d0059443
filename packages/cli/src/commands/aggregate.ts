import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UserError } from '@prov4ml/prov-core';
import { startAggregator } from '@prov4ml/aggregator';
import { curveKeyDir, ephemeralPortRisk, loadOrCreateServerKeys, resolveProcessOptions, resolveRunOptions, RUN_OPTION_VARIABLES, type RunOptions } from '@prov4ml/agent';

interface AggregateArgs {
  bind?: string;
  'world-size'?: number;
  'job-id'?: string;
  'run-dir'?: string;
  'rank-timeout'?: number;
  'key-dir'?: string;
  insecure?: boolean;
  unified: boolean;
}

/** The help text of a run option, as `run` shows it, so that the two commands describe it alike. */
function describeRunOption(option: keyof RunOptions): string {
  const row = RUN_OPTION_VARIABLES.find((variable) => variable.option === option)!;
  return `${row.description} [${row.env}]`;
}

/** A stand-alone aggregator, e.g. started by an sbatch script before `srun`; exits 0 once the job is finalised. */
export const aggregateCommand: CommandModule<object, AggregateArgs> = {
  command: 'aggregate',
  describe: 'Run an aggregator for one job: print its endpoint, receive every rank, write the files, exit',
  builder: (yargs) =>
    yargs
      .option('bind', { type: 'string', describe: 'ZeroMQ endpoint to bind, e.g. tcp://0.0.0.0:41000 (port 0: any free port); acks use port + 1 [PROV4ML_BIND]' })
      .option('world-size', { alias: 'world_size', type: 'number', describe: 'ranks of the job; else the first rank says [PROV4ML_WORLD_SIZE]' })
      .option('job-id', { alias: 'job_id', type: 'string', describe: 'job key to accept; else the first rank\'s [PROV4ML_JOB_ID]' })
      .option('run-dir', { alias: 'run_dir', type: 'string', describe: 'run directory to write; else the one the ranks name' })
      .option('rank-timeout', { alias: 'rank_timeout', type: 'number', describe: 'seconds after which a silent rank no longer holds up the job (default 60) [PROV4ML_RANK_TIMEOUT]' })
      .option('key-dir', { alias: 'key_dir', type: 'string', describe: `${describeRunOption('keyDir')}; the aggregator writes its key pair there` })
      .option('insecure', { type: 'boolean', describe: describeRunOption('insecure') })
      .option('unified', { type: 'boolean', default: false, describe: 'also write one document with a bundle per rank' }),
  handler: async (args) => {
    const { bind } = resolveProcessOptions({ bind: args.bind }, process.env);
    if (bind === null) throw new UserError('aggregate: --bind (or PROV4ML_BIND) is required, e.g. tcp://0.0.0.0:41000');
    // The options shared with the ranks, read and checked as every rank reads them.
    const run = resolveRunOptions(
      {
        worldSize: args['world-size'] ?? null,
        jobId: args['job-id'] ?? null,
        keyDir: args['key-dir'] ?? null,
        insecure: args.insecure,
        ...(args['rank-timeout'] === undefined ? {} : { rankTimeout: args['rank-timeout'] }),
      },
      process.env,
    );
    // Made before binding and never in the run directory, which the ranks name only once they send.
    const keyDir = curveKeyDir(bind, run, null);
    const curve = keyDir === null ? undefined : await loadOrCreateServerKeys(keyDir);
    const log = (line: string): void => void process.stderr.write(`prov4ml aggregate: ${line}\n`);
    if (keyDir !== null) log(`CURVE on: the ranks read the server key from ${keyDir}`);
    const range = ephemeralPortRange();
    const portRisk = range === null ? null : ephemeralPortRisk(bind, range);
    if (portRisk !== null) log(`warning: ${portRisk}`);
    const aggregator = await startAggregator({
      bind,
      worldSize: run.worldSize ?? undefined,
      jobKey: run.jobId ?? undefined,
      runDir: args['run-dir'],
      rankTimeoutMs: run.rankTimeout * 1000,
      unified: args.unified,
      curve,
      insecure: run.insecure,
      log,
    });
    process.stdout.write(`${aggregator.endpoint}\n`);
    const stop = (): void => void aggregator.shutdown();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const result = await aggregator.finalized;
      log(`wrote ${result.files.length} files in ${result.runDir}`);
    } catch (error) {
      throw new UserError(`aggregate: the job was not finalised (${(error as Error).message}); run prov4ml merge on its run directory`);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await aggregator.shutdown();
    }
  },
};

/** Linux's ephemeral port range, or null where the host does not say. */
function ephemeralPortRange(): [number, number] | null {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) ? [low, high] : null;
  } catch {
    return null;
  }
}
