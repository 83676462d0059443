import type { CommandModule } from 'yargs';
import { DEFAULT_DOT_MAX_VALUE_LENGTH, provJsonToDot } from '@prov4ml/prov-core';
import { readInputText, replaceExtension, withExtension, writeOutputText } from './input-files.js';

interface Prov2DotArgs {
  'prov-json': string;
  output?: string;
  'max-value-length': number;
}

/** The original's `prov2dot`: PROV-JSON (the original's files too) to Graphviz DOT. */
export const prov2dotCommand: CommandModule<object, Prov2DotArgs> = {
  command: 'prov2dot',
  describe: 'Draw a PROV-JSON file as Graphviz DOT (".json" and ".dot" are appended when missing)',
  builder: (yargs) =>
    yargs
      .option('prov-json', { alias: 'prov_json', type: 'string', demandOption: true, describe: 'PROV-JSON file' })
      .option('output', { type: 'string', describe: 'DOT file to write (default: the input with .dot)' })
      .option('max-value-length', { alias: 'max_value_length', type: 'number', default: DEFAULT_DOT_MAX_VALUE_LENGTH, describe: 'cut attribute values longer than this' }),
  handler: async (args) => {
    const input = withExtension(args['prov-json'], '.json', { existingAsIs: true });
    const output = withExtension(args.output ?? replaceExtension(input, '.json', '.dot'), '.dot', { existingAsIs: false });
    const text = await readInputText(input, '--prov_json');
    await writeOutputText(output, provJsonToDot(text, { source: input, maxValueLength: args['max-value-length'] }), '--output');
  },
};
