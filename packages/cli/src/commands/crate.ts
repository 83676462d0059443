import type { CommandModule } from 'yargs';
import { writeRunCrate } from '@prov4ml/report';

interface CrateArgs {
  'run-dir': string;
  zip: boolean;
}

/** The RO-Crate of a finished run: ro-crate-metadata.json in the run directory, and with --zip <run dir>.crate.zip. */
export const crateCommand: CommandModule<object, CrateArgs> = {
  command: 'crate <run-dir>',
  describe: 'Write the RO-Crate 1.1 of a finished run (ro-crate-metadata.json; with --zip also <run dir>.crate.zip)',
  builder: (yargs) =>
    yargs
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'the run directory, <save dir>/<experiment>_<run id>' })
      .option('zip', { type: 'boolean', default: false, describe: 'also write <run dir>.crate.zip beside the run directory' }),
  handler: async (args) => {
    const result = await writeRunCrate(args['run-dir'], { zip: args.zip });
    process.stdout.write(`${result.metadata}: ${result.fileCount} files, ${result.totalBytes} bytes${result.zip === null ? '' : `; ${result.zip}`}\n`);
  },
};
