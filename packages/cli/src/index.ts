import yargs from 'yargs';
import { isUserError } from '@prov4ml/prov-core';
import { commands } from './commands/index.js';

/**
 * Runs the prov4ml command line with the given arguments (without `node` and the script).
 * Sets `process.exitCode`; never calls `process.exit()`, so it can be tested in-process.
 */
export async function run(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('prov4ml')
    .usage('$0 <command> [options]\n\nDistributed provenance collector for multi-rank ML and HPC jobs.')
    .strict()
    // `run -- CMD args` keeps the program's own flags away from ours.
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false })
    .demandCommand(1, 'a command is required (see prov4ml --help)')
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, error) => {
      // Usage mistakes: yargs gives a message; our own errors come through `error`.
      throw error ?? new UsageError(message);
    });
  for (const command of commands) parser.command(command);
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`prov4ml: ${error.message}\n`);
      process.exitCode = 2;
    } else if (isUserError(error)) {
      process.stderr.write(`prov4ml: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`prov4ml: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 70;
    }
  }
}

class UsageError extends Error {}
