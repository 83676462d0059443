import type { CommandModule } from 'yargs';
import { UserError } from '@prov4ml/prov-core';
import { resolveRunOptions, serveAgent } from '@prov4ml/agent';
import { explicitRunOptions, metricsOptions, withRunOptionFlags, type RunFlags } from '../run-flags.js';

interface AgentArgs extends RunFlags {
  channel: string;
  'parent-pid': number;
}

/** Started by the Python client's start_run when no `prov4ml run` wrapper is there. */
export const agentCommand: CommandModule<object, AgentArgs> = {
  command: 'agent',
  describe: 'Serve one rank\'s agent for an already running program (the Python client starts it)',
  builder: (yargs) =>
    withRunOptionFlags(yargs)
      .option('channel', { type: 'string', demandOption: true, describe: 'Unix socket path the program connects to' })
      .option('parent-pid', { type: 'number', demandOption: true, alias: 'parent_pid', describe: 'pid of the program; its exit ends the run' }),
  handler: async (args) => {
    if (!Number.isInteger(args['parent-pid']) || args['parent-pid'] <= 0) throw new UserError(`agent: --parent-pid must be a pid, got ${args['parent-pid']}`);
    const run = resolveRunOptions(explicitRunOptions(args), process.env);
    await serveAgent({
      channelPath: args.channel,
      parentPid: args['parent-pid'],
      run,
      env: process.env,
      metrics: metricsOptions(run),
      log: (line) => process.stderr.write(`prov4ml: ${line}\n`),
    });
  },
};
