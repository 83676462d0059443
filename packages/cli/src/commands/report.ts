import type { CommandModule } from 'yargs';
import { progressBar } from '@prov4ml/aggregator';
import { writeReport } from '@prov4ml/report';

interface ReportArgs {
  input: string;
  output?: string;
  quiet: boolean;
}

/** One self-contained HTML page about a run: summary, metric plots per rank, provenance graphs. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <input>',
  describe: 'Write a self-contained HTML report of a run directory or one PROV-JSON file (the original\'s too)',
  builder: (yargs) =>
    yargs
      .positional('input', { type: 'string', demandOption: true, describe: 'run directory (<save dir>/<experiment>_<run id>) or a PROV-JSON file' })
      .option('output', { alias: 'o', type: 'string', describe: 'HTML file to write (default: report.html in the run directory)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress bar and no summary line' }),
  handler: async (args) => {
    const progress = progressBar({ stream: process.stderr, label: 'report', quiet: args.quiet });
    const result = await writeReport(args.input, { output: args.output, progress });
    if (args.quiet) return;
    const size = Buffer.byteLength(result.html);
    process.stdout.write(`${result.output}: ${size} bytes; ${result.rankCount} rank(s), ${result.plotCount} plot(s) with ${result.lineCount} line(s)${result.notes.length === 0 ? '' : `, ${result.notes.length} note(s) in the page`}\n`);
  },
};
