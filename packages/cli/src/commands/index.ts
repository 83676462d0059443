import type { CommandModule } from 'yargs';

/** Every prov4ml command; each module parses its options and calls one exported function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
