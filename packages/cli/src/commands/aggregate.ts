import type { CommandModule } from 'yargs';
import { resolveProcessOptions, resolveRunOptions, RUN_OPTION_VARIABLES, serveAggregator, type RunOptions } from '@prov4ml/agent';

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
    await serveAggregator({
      bind,
      run,
      runDir: args['run-dir'],
      unified: args.unified,
      log: (line) => void process.stderr.write(`prov4ml aggregate: ${line}\n`),
      announce: (endpoint) => void process.stdout.write(`${endpoint}\n`),
    });
  },
};
