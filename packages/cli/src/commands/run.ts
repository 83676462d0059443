import type { CommandModule } from 'yargs';
import { isUserError, UserError } from '@prov4ml/prov-core';
import { resolveRunOptions, runLocalRanks, runWithoutProvenance, runWrapped, type RunOptions } from '@prov4ml/agent';
import { explicitRunOptions, metricsOptions, withRunOptionFlags, type RunFlags } from '../run-flags.js';

interface RunArgs extends RunFlags {
  nprocs?: number;
  '--'?: string[];
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: "Run a program as one rank's wrapper (under srun/mpirun/torchrun), or as N local ranks with -n: prov4ml run [options] -- CMD ...",
  builder: (yargs) =>
    withRunOptionFlags(yargs)
      .option('nprocs', { alias: 'n', type: 'number', describe: 'start N local ranks on this machine (no launcher needed)' })
      .example('$0 run -n 4 -- node examples/train.mjs', 'four local ranks')
      .example('srun -n 4 $0 run -- python train.py', 'one wrapper per Slurm task'),
  handler: async (args) => {
    // The program's words exactly as given (never numbers: `-- sleep 1`).
    const command = (args['--'] ?? []).map(String);
    if (command.length === 0) throw new UserError('run: no command given after -- (usage: prov4ml run [options] -- CMD ...)');
    const log = (line: string) => process.stderr.write(`prov4ml: ${line}\n`);
    let run: RunOptions;
    try {
      run = resolveRunOptions(explicitRunOptions(args), process.env);
    } catch (error) {
      if (!isUserError(error) || args.nprocs !== undefined) throw error;
      process.exitCode = await runWithoutProvenance({ command, env: process.env, log }, error.message);
      return;
    }
    process.exitCode =
      args.nprocs === undefined
        ? await runWrapped({ command, run, env: process.env, metrics: metricsOptions(run), log })
        : await runLocalRanks({ ranks: args.nprocs, argv: process.argv, command, env: process.env, jobId: run.jobId, log });
  },
};
