import type { CommandModule } from 'yargs';
import { agentCommand } from './agent.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';
import { prov2dotCommand } from './prov2dot.js';
import { dot2svgCommand } from './dot2svg.js';
import { reportCommand } from './report.js';
import { aggregateCommand } from './aggregate.js';
import { mergeCommand } from './merge.js';
import { collectionCommand } from './collection.js';
import { unifyCommand } from './unify.js';
import { crateCommand } from './crate.js';

/** Every prov4ml command; each module parses its options and calls one exported function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [runCommand, agentCommand, validateCommand, prov2dotCommand, dot2svgCommand, reportCommand, aggregateCommand, mergeCommand, collectionCommand, unifyCommand, crateCommand];
