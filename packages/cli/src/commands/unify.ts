import type { CommandModule } from 'yargs';
import { defaultUnifiedPath, writeUnifiedExperiment } from '@prov4ml/aggregator';
import { dotToSvg, toDot } from '@prov4ml/prov-core';
import { replaceExtension, writeOutputText } from './input-files.js';

interface UnifyArgs {
  experiment: string;
  root: string;
  output?: string;
  dot: boolean;
  svg: boolean;
}

/** The original's `unify_prov`: every run of an experiment in one PROV-JSON, one bundle per run and rank. */
export const unifyCommand: CommandModule<object, UnifyArgs> = {
  command: 'unify',
  describe: 'Write one PROV-JSON holding every run <root>/<experiment>_<id>: the runs are members of the experiment, each rank document a bundle',
  builder: (yargs) =>
    yargs
      .option('experiment', { type: 'string', demandOption: true, describe: 'experiment name' })
      .option('root', { type: 'string', default: 'prov', describe: 'the save directory holding the runs' })
      .option('output', { type: 'string', describe: 'PROV-JSON to write (default: <root>/<experiment>_UNIFIED.json)' })
      .option('dot', { type: 'boolean', default: false, describe: 'also write the graph as .dot beside the output' })
      .option('svg', { type: 'boolean', default: false, describe: 'also write the graph as .svg beside the output' }),
  handler: async (args) => {
    const output = args.output ?? defaultUnifiedPath(args.root, args.experiment);
    const result = await writeUnifiedExperiment({ experiment: args.experiment, root: args.root, output });
    if (args.dot || args.svg) {
      const dot = toDot(result.doc);
      if (args.dot) await writeOutputText(replaceExtension(output, '.json', '.dot'), dot, '--dot');
      if (args.svg) await writeOutputText(replaceExtension(output, '.json', '.svg'), await dotToSvg(dot, output), '--svg');
    }
    process.stdout.write(`${result.path}: ${result.runs} runs, ${result.documents} rank documents\n`);
  },
};
