import type { CommandModule } from 'yargs';
import { dotToSvg } from '@prov4ml/prov-core';
import { readInputText, replaceExtension, withExtension, writeOutputText } from './input-files.js';

interface Dot2SvgArgs {
  dot: string;
  output?: string;
}

/** The original's `dot2svg`, rendered by Graphviz compiled to WebAssembly instead of a `dot` binary. */
export const dot2svgCommand: CommandModule<object, Dot2SvgArgs> = {
  command: 'dot2svg',
  describe: 'Render a DOT file as SVG (".dot" and ".svg" are appended when missing); no Graphviz install needed',
  builder: (yargs) =>
    yargs
      .option('dot', { type: 'string', demandOption: true, describe: 'DOT file' })
      .option('output', { type: 'string', describe: 'SVG file to write (default: the input with .svg)' }),
  handler: async (args) => {
    const input = withExtension(args.dot, '.dot', { existingAsIs: true });
    const output = withExtension(args.output ?? replaceExtension(input, '.dot', '.svg'), '.svg', { existingAsIs: false });
    const dot = await readInputText(input, '--dot');
    await writeOutputText(output, await dotToSvg(dot, input), '--output');
  },
};
