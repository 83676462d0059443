import type { CommandModule } from 'yargs';
import { agentCommand } from './agent.js';
import { runCommand } from './run.js';

/** Every prov4ml command; each module parses its options and calls one exported function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [runCommand, agentCommand];
