import type { CommandModule } from 'yargs';
import { UserError } from '@prov4ml/prov-core';
import { progressBar } from '@prov4ml/aggregator';
import { writeComparison, writeReport, type RankChoice } from '@prov4ml/report';

interface ReportArgs {
  inputs: string[];
  output?: string;
  experiment?: string;
  rank: string;
  quiet: boolean;
}

/**
 * One self-contained HTML page about a run (summary, metric plots per rank, provenance graphs), or,
 * given several runs or `--experiment`, one page comparing them.
 */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <inputs..>',
  describe: 'Write a self-contained HTML report of a run directory or one PROV-JSON file (the original\'s too); of several runs, or of a save dir with --experiment, a comparison page',
  builder: (yargs) =>
    yargs
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'run directory (<save dir>/<experiment>_<run id>) or a PROV-JSON file; several run directories to compare them; with --experiment, the save directory' })
      .option('output', { alias: 'o', type: 'string', describe: 'HTML file to write (default: report.html in the run directory; for a comparison <experiment>_compare.html beside the runs)' })
      .option('experiment', { alias: 'e', type: 'string', describe: 'compare every run <experiment>_<id> of the save directory given' })
      .option('rank', { type: 'string', default: '0', describe: "comparison: the rank whose curves and final metrics stand for each run, or 'mean' for the mean across its ranks" })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress bar and no summary line' }),
  handler: async (args) => {
    const compare = args.inputs.length > 1 || args.experiment !== undefined;
    if (!compare && args.rank !== '0') throw new UserError('--rank: only for a comparison (several run directories, or --experiment)');
    const rank = compare ? rankChoice(args.rank) : 0;
    const progress = progressBar({ stream: process.stderr, label: 'report', quiet: args.quiet });
    if (!compare) {
      const result = await writeReport(args.inputs[0] as string, { output: args.output, progress });
      if (args.quiet) return;
      const size = Buffer.byteLength(result.html);
      process.stdout.write(`${result.output}: ${size} bytes; ${result.rankCount} rank(s), ${result.plotCount} plot(s) with ${result.lineCount} line(s)${result.notes.length === 0 ? '' : `, ${result.notes.length} note(s) in the page`}\n`);
      return;
    }
    const result = await writeComparison({ inputs: args.inputs, rank, progress, ...(args.experiment === undefined ? {} : { experiment: args.experiment }), ...(args.output === undefined ? {} : { output: args.output }) });
    if (args.quiet) return;
    const size = Buffer.byteLength(result.html);
    process.stdout.write(`${result.output}: ${size} bytes; ${result.runCount} run(s) compared, ${result.differingParameters.length} parameter(s) differ, ${result.plotCount} plot(s) with ${result.lineCount} line(s)${result.notes.length === 0 ? '' : `, ${result.notes.length} note(s) in the page`}\n`);
  },
};

function rankChoice(text: string): RankChoice {
  if (text === 'mean') return 'mean';
  if (/^\d+$/.test(text)) return Number(text);
  throw new UserError(`--rank: expected a rank (0, 1, …) or 'mean', got ${JSON.stringify(text)}`);
}
