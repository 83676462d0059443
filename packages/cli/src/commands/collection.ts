import type { CommandModule } from 'yargs';
import { writeDirectoryCollection } from '@prov4ml/aggregator';

interface CollectionArgs {
  'experiment-path': string;
  'output-dir'?: string;
}

/** The original's `prov_collection` command, working: a collection of the rank documents in a directory. */
export const collectionCommand: CommandModule<object, CollectionArgs> = {
  command: 'collection',
  describe: 'Write prov_collection.json listing the rank documents of a run directory (prov4ml\'s or the original\'s)',
  builder: (yargs) =>
    yargs
      .option('experiment-path', { alias: 'experiment_path', type: 'string', demandOption: true, describe: 'directory with the rank documents' })
      .option('output-dir', { alias: 'output_dir', type: 'string', describe: 'where prov_collection.json goes (default: the experiment path)' }),
  handler: async (args) => {
    const result = await writeDirectoryCollection({ experimentPath: args['experiment-path'], outputDir: args['output-dir'] ?? args['experiment-path'] });
    process.stdout.write(`${result.path}: ${result.members} documents${result.job ? '' : ' (not written by prov4ml: listed only)'}\n`);
  },
};
