/**
 * The grammar of option values: how each kind of value is read from a variable's text or checked as a
 * JavaScript argument, and the one error a bad value gives (`NAME: "value" is not EXPECTED`, one line,
 * naming the variable or argument). Every row of the option table and every launcher variable that
 * detection reads go through here, so one kind of value is read alike wherever it comes from.
 */
import { isAbsolute } from 'node:path';
import { UserError, ZmqEndpoint } from '@prov4ml/prov-core';

export type Environment = Readonly<Record<string, string | undefined>>;

/** How a value is read from a variable's text or checked as a JavaScript argument. */
export interface ValueReader<T> {
  /** What a valid value looks like, for error messages and `--help`. */
  expected: string;
  /** The JavaScript type of an argument; another type is a programming error (TypeError). */
  argumentType: 'string' | 'boolean' | 'number';
  fromText(text: string): T | undefined;
  /** The value when it is acceptable, else undefined; only called with `argumentType` values. */
  fromArgument(value: T): T | undefined;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function isPlainText(value: string): boolean {
  return value.length > 0 && !CONTROL_CHARACTERS.test(value);
}

/** A string kept as written (a name may start or end with a space). */
export const textReader: ValueReader<string> = {
  expected: 'a non-empty string without control characters',
  argumentType: 'string',
  fromText: (value) => (isPlainText(value) ? value : undefined),
  fromArgument: (value) => (isPlainText(value) ? value : undefined),
};

/** A string whose surrounding white space is a slip of the job script (`REGION=" Quebec"`), not a meaning. */
export const trimmedTextReader: ValueReader<string> = { ...textReader, fromText: (value) => textReader.fromText(value.trim()) };

const FLAG_WORDS: Readonly<Record<string, boolean>> = { '1': true, true: true, yes: true, '0': false, false: false, no: false };

export const flagReader: ValueReader<boolean> = {
  expected: 'one of 1, 0, true, false, yes, no',
  argumentType: 'boolean',
  fromText: (value) => FLAG_WORDS[value.trim().toLowerCase()],
  fromArgument: (value) => value,
};

export function integerReader(min: number, max = Number.MAX_SAFE_INTEGER): ValueReader<number> {
  const inRange = (value: number) => Number.isSafeInteger(value) && value >= min && value <= max;
  return {
    expected: max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`,
    argumentType: 'number',
    fromText: (value) => (/^\s*\d+\s*$/.test(value) && inRange(Number(value)) ? Number(value) : undefined),
    fromArgument: (value) => (inRange(value) ? value : undefined),
  };
}

/** A decimal number ≥ 0 (`2.5`, not `1e3` or `10s`) of `unit`. */
export function nonNegativeReader(unit: string): ValueReader<number> {
  return {
    expected: `a number of ${unit} ≥ 0`,
    argumentType: 'number',
    fromText: (value) => (/^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined),
    fromArgument: (value) => (Number.isFinite(value) && value >= 0 ? value : undefined),
  };
}

/**
 * A ZeroMQ endpoint a rank connects to (as {@link ZmqEndpoint} writes it), or (`use` 'bind') one an
 * aggregator binds, kept as written: the aggregator's messages then name the bind the user gave.
 */
export function zmqEndpointReader(use: 'connect' | 'bind'): ValueReader<string> {
  const read = (value: string) => {
    const endpoint = ZmqEndpoint.parse(value, use);
    return endpoint === null ? undefined : use === 'connect' ? endpoint.toString() : value;
  };
  return {
    expected:
      use === 'connect'
        ? 'a ZeroMQ endpoint tcp://HOST:PORT or ipc://PATH'
        : 'a ZeroMQ endpoint to bind, tcp://HOST:PORT (HOST may be *, PORT 0 for any free port) or ipc://PATH',
    argumentType: 'string',
    fromText: (value) => read(value.trim()),
    fromArgument: read,
  };
}

export const absolutePathReader: ValueReader<string> = {
  expected: 'an absolute path',
  argumentType: 'string',
  fromText: (value) => absolutePathReader.fromArgument(value.trim()),
  fromArgument: (value) => (isPlainText(value) && isAbsolute(value) ? value : undefined),
};

/** An ISO 3166 alpha-3 country code, upper-cased (`fra` is FRA). */
export const countryCodeReader: ValueReader<string> = {
  expected: 'an ISO 3166 alpha-3 code such as FRA or USA',
  argumentType: 'string',
  fromText: (value) => countryCodeReader.fromArgument(value.trim()),
  fromArgument: (value) => (/^[A-Za-z]{3}$/.test(value) ? value.toUpperCase() : undefined),
};

/** The one error of a bad value: `NAME: "value" is not EXPECTED`. */
/** One of `words` (case-insensitive in a variable's text, as job scripts spell them either way). */
export function oneOfReader<T extends string>(words: readonly T[]): ValueReader<T> {
  const find = (value: string) => words.find((word) => word === value.trim().toLowerCase());
  return { expected: `one of ${words.join(', ')}`, argumentType: 'string', fromText: find, fromArgument: (value) => (words.includes(value) ? value : undefined) };
}

export function badValue(name: string, value: unknown, expected: string): UserError {
  return new UserError(`${name}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)} is not ${expected}`);
}

/** A variable's text: unset and empty (`export X=` in a job script) are both undefined. */
export function variableText(env: Environment, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * Reads a launcher's integer variable (SLURM_PROCID, RANK…): unset or empty is undefined, anything but
 * a decimal integer ≥ min is a UserError naming the variable.
 */
export function readIntegerVariable(env: Environment, name: string, min: number): number | undefined {
  const raw = variableText(env, name);
  if (raw === undefined) return undefined;
  const reader = integerReader(min);
  const value = reader.fromText(raw);
  if (value === undefined) throw badValue(name, raw, reader.expected);
  return value;
}
