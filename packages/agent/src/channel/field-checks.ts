/**
 * Field checks of the channel's decoder (codec.ts): each returns the checked value or throws
 * {@link Invalid}, which the decoder turns into a dropped message; nothing else throws it.
 */
import { CONTEXT_NAME_PATTERN, csvSeparatorProblem, MAX_PATH_LENGTH } from '@prov4ml/prov-core';

export class Invalid {
  constructor(readonly detail: string) {}
}

export function fail(detail: string): never {
  throw new Invalid(detail);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nullable<T>(o: Record<string, unknown>, key: string, check: () => T): T | null {
  return o[key] === null || o[key] === undefined ? null : check();
}

/**
 * A field newer clients send and older ones leave out: `{ key: value }` (null stays null) when
 * present, `{}` when absent, so an older client's message decodes exactly as it always did.
 */
export function optional<K extends string, T>(o: Record<string, unknown>, key: K, check: () => T): { [P in K]?: T | null } {
  if (o[key] === undefined) return {};
  return { [key]: o[key] === null ? null : check() } as { [P in K]?: T | null };
}

export function text(o: Record<string, unknown>, key: string, maxLength: number, minLength = 0): string {
  const value = o[key];
  if (typeof value !== 'string') fail(`${key} is not a string`);
  if (value.length < minLength || value.length > maxLength) fail(`${key} has ${value.length} characters, allowed ${minLength}..${maxLength}`);
  return value;
}

export function absolutePath(o: Record<string, unknown>, key: string): string {
  const value = text(o, key, MAX_PATH_LENGTH, 1);
  if (!value.startsWith('/') || value.includes('\0')) fail(`${key} is not an absolute path`);
  return value;
}

/** A directory below the artifact directory: relative, '/'-separated names, none of them '.' or '..'. */
export function relativeDirectory(o: Record<string, unknown>, key: string): string {
  const value = text(o, key, MAX_PATH_LENGTH, 1);
  // eslint-disable-next-line no-control-regex
  const bad = value.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(value) || value.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) fail(`${key} ${JSON.stringify(value.slice(0, 80))} is not a relative directory of plain names`);
  return value;
}

export function csvSeparator(o: Record<string, unknown>): string {
  const value = text(o, 'csvSeparator', 1, 1);
  const problem = csvSeparatorProblem(value);
  if (problem !== null) fail(`csvSeparator ${problem}`);
  return value;
}

export function integer(o: Record<string, unknown>, key: string, min: number): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) fail(`${key} is not an integer ≥ ${min}`);
  return value;
}

export function requestId(o: Record<string, unknown>): number {
  return integer(o, 'id', 0);
}

export function finite(o: Record<string, unknown>, key: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${key} is not a finite number`);
  return value;
}

export function boolean(o: Record<string, unknown>, key: string): boolean {
  const value = o[key];
  if (typeof value !== 'boolean') fail(`${key} is not a boolean`);
  return value;
}

export function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const value = o[key];
  if (!(allowed as readonly unknown[]).includes(value)) fail(`${key} is not one of ${allowed.join(', ')}`);
  return value as T;
}

export function context(o: Record<string, unknown>): string {
  const value = text(o, 'context', 64, 1);
  if (!CONTEXT_NAME_PATTERN.test(value)) fail('context is not a valid context name');
  return value;
}
