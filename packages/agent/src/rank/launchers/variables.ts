/** Reading a launcher's variables: set means set and not empty; numbers carry the variable they came from. */
import { readIntegerVariable, variableText, type Environment } from '../../config/readers.js';
import type { Fact } from '../job-info.js';

export function isSet(env: Environment, name: string): boolean {
  return variableText(env, name) !== undefined;
}

/** The first of the names that is set and not empty. */
export function variable(env: Environment, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = variableText(env, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

export function fact(env: Environment, name: string, min: number): Fact | undefined {
  const value = readIntegerVariable(env, name, min);
  return value === undefined ? undefined : { value, source: name };
}

/** A variable the row matched on, so it is set; reading it still checks that it is a number. */
export function requiredFact(env: Environment, name: string, min: number): Fact {
  const found = fact(env, name, min);
  if (found === undefined) throw new Error(`${name} read by a row that did not match on it`);
  return found;
}
