import type { CommandModule } from 'yargs';
import { mergeRunDir, progressBar } from '@prov4ml/aggregator';
import { runPackager } from '@prov4ml/report';

interface MergeArgs {
  'run-dir': string;
  'world-size'?: number;
  'job-id'?: string;
  unified: boolean;
  quiet: boolean;
}

/** Post-job: rebuild every rank's document, the CSVs and the collection from the spools alone. */
export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <run-dir>',
  describe: 'Rebuild a run directory\'s documents, metric CSVs and collection from its spools (and received logs)',
  builder: (yargs) =>
    yargs
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'the run directory, <save dir>/<experiment>_<run id>' })
      .option('world-size', { alias: 'world_size', type: 'number', describe: 'ranks of the job (default: what the spools say)' })
      .option('job-id', { alias: 'job_id', type: 'string', describe: 'job to rebuild (default: the one in the spools)' })
      .option('unified', { type: 'boolean', default: false, describe: 'also write one document with a bundle per rank' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress bar (there is none when stderr is not a terminal)' }),
  handler: async (args) => {
    const progress = progressBar({ stream: process.stderr, label: 'merge', quiet: args.quiet });
    let result;
    try {
      result = await mergeRunDir(args['run-dir'], {
        worldSize: args['world-size'],
        jobKey: args['job-id'],
        unified: args.unified,
        log: (line) => void process.stderr.write(`prov4ml merge: ${line}\n`),
        progress,
        crateWriter: runPackager,
      });
    } finally {
      progress.finish();
    }
    const unfinished = result.ranks.filter((rank) => !rank.finished).map((rank) => rank.rank);
    process.stdout.write(`${result.runDir}: ${result.files.length} files for ${result.worldSize} ranks of job ${result.jobKey}\n`);
    if (unfinished.length > 0) process.stdout.write(`ranks that did not end cleanly: ${unfinished.join(', ')}\n`);
  },
};
