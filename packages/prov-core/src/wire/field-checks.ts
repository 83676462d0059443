/**
 * The field checks the envelope's validation is built of: each reads one field of a decoded msgpack map,
 * checks its type and bounds, and on a bad value leaves the whole check at once with a detail naming
 * the field's path (`records[0].storedPath is not a string`).
 */
import { checkColumn, type CheckedColumn } from './column-codec.js';
import { CONTEXT_NAME_PATTERN, type ParamValue } from './records.js';
import { MAX_MAP_ENTRIES, MAX_NAME_LENGTH, MAX_STRING_BYTES } from './limits.js';

/** Why an envelope was refused. */
export type ShapeCause = 'wrong_shape' | 'wrong_version' | 'rank_out_of_range' | 'unknown_kind';

/** Thrown by the checks to leave a deep check in one step; never escapes {@link validateEnvelope} (envelope-validation.ts). */
export class Invalid {
  constructor(
    readonly cause: ShapeCause,
    readonly detail: string,
  ) {}
}

export function fail(detail: string, cause: ShapeCause = 'wrong_shape'): never {
  throw new Invalid(cause, detail);
}

export function plainObject(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) fail(`${at} is not a map`);
  return value as Record<string, unknown>;
}

export function list(o: Record<string, unknown>, key: string, at: string, max: number): unknown[] {
  const value = o[key];
  if (!Array.isArray(value)) fail(`${at}.${key} is not an array`);
  if (value.length > max) fail(`${at}.${key} has more than ${max} entries`);
  return value;
}

export function textValue(value: unknown, at: string, maxLength: number, minLength = 0): string {
  if (typeof value !== 'string') fail(`${at} is not a string`);
  if (value.length > maxLength || value.length < minLength) fail(`${at} has ${value.length} characters, allowed ${minLength}..${maxLength}`);
  return value;
}

export function text(o: Record<string, unknown>, key: string, at: string, maxLength: number, minLength = 0): string {
  return textValue(o[key], `${at}.${key}`, maxLength, minLength);
}

export function name(o: Record<string, unknown>, key: string, at: string): string {
  return text(o, key, at, MAX_NAME_LENGTH, 1);
}

export function contextValue(raw: unknown, at: string): string {
  const value = textValue(raw, at, 64, 1);
  if (!CONTEXT_NAME_PATTERN.test(value)) fail(`${at} is not a valid context name`);
  return value;
}

export function context(o: Record<string, unknown>, at: string, key = 'context'): string {
  return contextValue(o[key], `${at}.${key}`);
}

export function number(o: Record<string, unknown>, key: string, at: string): number {
  const value = o[key];
  if (typeof value !== 'number') fail(`${at}.${key} is not a number`);
  return value;
}

export function finite(o: Record<string, unknown>, key: string, at: string): number {
  const value = number(o, key, at);
  if (!Number.isFinite(value)) fail(`${at}.${key} is not finite`);
  return value;
}

export function integerValue(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(`${at} is not an integer in ${min}..${max}`);
  return value;
}

export function integer(o: Record<string, unknown>, key: string, at: string, min: number, max: number): number {
  return integerValue(o[key], `${at}.${key}`, min, max);
}

export function booleanValue(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') fail(`${at} is not a boolean`);
  return value;
}

export function boolean(o: Record<string, unknown>, key: string, at: string): boolean {
  return booleanValue(o[key], `${at}.${key}`);
}

/**
 * A field newer records carry and older ones lack: `{ key: checked value }` when present, `{}` when
 * absent, so an old record decodes exactly as it always did.
 */
export function optional<K extends string, T>(o: Record<string, unknown>, key: K, at: string, check: (value: unknown, at: string) => T): { [P in K]?: T } {
  return o[key] === undefined ? {} : ({ [key]: check(o[key], `${at}.${key}`) } as { [P in K]?: T });
}

export function nullable<T>(o: Record<string, unknown>, key: string, at: string, check: (value: unknown, at: string) => T): T | null {
  const value = o[key];
  return value === null || value === undefined ? null : check(value, `${at}.${key}`);
}

/** A step or timestamp column, raw or as runs, checked to describe one point per value. */
export function column(o: Record<string, unknown>, key: string, length: number, at: string): CheckedColumn {
  const checked = checkColumn(o[key], length);
  if (typeof checked === 'string') fail(`${at}.${key} ${checked}`);
  return checked;
}

export function float64(o: Record<string, unknown>, key: string, at: string): Float64Array {
  const value = o[key];
  if (!(value instanceof Float64Array)) fail(`${at}.${key} is not a Float64Array`);
  return value;
}

export function paramValue(value: unknown, at: string): ParamValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  return textValue(value, at, MAX_STRING_BYTES);
}

export function stringMap(o: Record<string, unknown>, key: string, at: string): Record<string, string> {
  const entries = Object.entries(plainObject(o[key], `${at}.${key}`));
  if (entries.length > MAX_MAP_ENTRIES) fail(`${at}.${key} has more than ${MAX_MAP_ENTRIES} entries`);
  const clean: Record<string, string> = {};
  for (const [k, v] of entries) clean[k] = textValue(v, `${at}.${key}.${k.slice(0, 40)}`, MAX_STRING_BYTES);
  return clean;
}

export function hasControlCharacter(value: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(value);
}
