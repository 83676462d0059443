import type { CommandModule } from 'yargs';
import { UserError } from '@prov4ml/prov-core';
import { startAggregator } from '@prov4ml/aggregator';

interface AggregateArgs {
  bind?: string;
  'world-size'?: number;
  'job-id'?: string;
  'run-dir'?: string;
  'rank-timeout'?: number;
  unified: boolean;
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
      .option('unified', { type: 'boolean', default: false, describe: 'also write one document with a bundle per rank' }),
  handler: async (args) => {
    const env = process.env;
    const bind = args.bind ?? env.PROV4ML_BIND;
    if (bind === undefined) throw new UserError('aggregate: --bind (or PROV4ML_BIND) is required, e.g. tcp://0.0.0.0:41000');
    const worldSize = args['world-size'] ?? envInteger('PROV4ML_WORLD_SIZE', env.PROV4ML_WORLD_SIZE);
    if (worldSize !== undefined && (!Number.isInteger(worldSize) || worldSize < 1)) throw new UserError(`aggregate: --world-size must be a positive integer, got ${worldSize}`);
    const rankTimeoutS = args['rank-timeout'] ?? envInteger('PROV4ML_RANK_TIMEOUT', env.PROV4ML_RANK_TIMEOUT);
    if (rankTimeoutS !== undefined && !(rankTimeoutS > 0)) throw new UserError(`aggregate: --rank-timeout must be a positive number of seconds, got ${rankTimeoutS}`);
    const log = (line: string): void => void process.stderr.write(`prov4ml aggregate: ${line}\n`);
    const aggregator = await startAggregator({
      bind,
      worldSize,
      jobKey: args['job-id'] ?? env.PROV4ML_JOB_ID,
      runDir: args['run-dir'],
      rankTimeoutMs: rankTimeoutS === undefined ? undefined : rankTimeoutS * 1000,
      unified: args.unified,
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

function envInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new UserError(`aggregate: ${name}=${value} is not a number`);
  return parsed;
}
