import type { CommandModule } from 'yargs';
import { HEARTBEAT_INTERVAL_MS } from '@prov4ml/agent';
import { watchJob } from '@prov4ml/report';

interface WatchArgs {
  dir: string;
  metric?: string;
  once: boolean;
  'straggler-threshold'?: number;
  interval?: number;
}

/** A live terminal view of a running job, read from its run directory on the shared filesystem. */
export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch <dir>',
  describe: 'Watch a job live in the terminal: each rank\'s state, node, rates, metrics, energy and CO2; flags stragglers and silent ranks',
  builder: (yargs) =>
    yargs
      .positional('dir', { type: 'string', demandOption: true, describe: 'run directory (<save dir>/<experiment>_<run id>), or a save directory to pick a run from' })
      .option('metric', { type: 'string', describe: 'metrics to show, comma-separated (default: the first 3 the program logged)' })
      .option('once', { type: 'boolean', default: false, describe: 'print one frame as plain text and exit (for scripts)' })
      .option('straggler-threshold', { type: 'number', describe: 'a rank whose step rate is this fraction below the median is a straggler (default 0.2)' })
      .option('interval', { type: 'number', describe: 'milliseconds between refreshes (default 1000)' }),
  handler: async (args) => {
    await watchJob({
      path: args.dir,
      metrics: args.metric === undefined ? [] : args.metric.split(',').map((name) => name.trim()),
      once: args.once,
      stragglerThreshold: args['straggler-threshold'],
      intervalMs: args.interval,
      heartbeatMs: HEARTBEAT_INTERVAL_MS,
    });
  },
};
