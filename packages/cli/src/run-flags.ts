import type { Argv, Options } from 'yargs';
import { resolveMetricsOptions, RUN_OPTION_VARIABLES, type MetricsOptions, type RunOptions } from '@prov4ml/agent';

/**
 * The flags of `run` and `agent`: one per row of the agent's option table (so flag, variable and
 * description cannot drift apart), in kebab-case with the original's snake_case as alias.
 */
const runOptionFlags: Readonly<Record<string, Options>> = Object.fromEntries(
  RUN_OPTION_VARIABLES.map(({ option, env, description, type }) => {
    const words = option.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`).split(' ');
    const flag: Options = { type, describe: `${description} [${env}]` };
    if (words.length > 1) flag.alias = words.join('_');
    return [words.join('-'), flag];
  }),
);

/** The run options in parsed arguments: yargs gives every flag in camelCase too, which is the option's name. */
export type RunFlags = Partial<RunOptions>;

/** Adds the run option flags to a command. */
export function withRunOptionFlags<T>(yargs: Argv<T>): Argv<T & RunFlags> {
  // The flags are built from a table, so yargs cannot infer their names: say what they parse to.
  return yargs.options(runOptionFlags) as unknown as Argv<T & RunFlags>;
}

/** The options given as flags; the agent's config fills the rest from PROV4ML_* and defaults. */
export function explicitRunOptions(args: RunFlags): Partial<RunOptions> {
  const explicit: Record<string, unknown> = {};
  for (const { option } of RUN_OPTION_VARIABLES) if (args[option] !== undefined) explicit[option] = args[option];
  return explicit as Partial<RunOptions>;
}

/** Sampler options from PROV4ML_* (country, region, intensity, RAPL root, visible GPUs); the interval from the run's options. */
export function metricsOptions(run: RunOptions): MetricsOptions {
  return resolveMetricsOptions(run, process.env);
}
