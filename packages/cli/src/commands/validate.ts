import type { CommandModule } from 'yargs';
import { formatValidationIssue, validateProvJson } from '@prov4ml/prov-core';
import { loadInputText } from './input-files.js';

interface ValidateArgs {
  files: string[];
}

/** `prov4ml validate FILE…`: one `FILE: error|warning: <record id>: <what>` line per issue on stderr; exit 1 on any error. */
export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <files..>',
  describe: 'Check PROV-JSON files: structural errors with the record id, dangling references as warnings',
  builder: (yargs) => yargs.positional('files', { type: 'string', array: true, demandOption: true, describe: 'PROV-JSON files' }),
  handler: async (args) => {
    let failed = false;
    for (const file of args.files) {
      const input = await loadInputText(file);
      const report = input.ok
        ? validateProvJson(input.text, file)
        : { errors: [{ source: file, recordId: null, message: input.reason }], warnings: [] };
      for (const issue of report.errors) process.stderr.write(`${formatValidationIssue(issue, 'error')}\n`);
      for (const issue of report.warnings) process.stderr.write(`${formatValidationIssue(issue, 'warning')}\n`);
      if (report.errors.length > 0) failed = true;
      else process.stdout.write(`${file}: valid${report.warnings.length > 0 ? ` (${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'})` : ''}\n`);
    }
    if (failed) process.exitCode = 1;
  },
};
