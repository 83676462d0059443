/**
 * PROV literals: typed values whose lexical form is checked against their xsd: type when they are made,
 * and the constructors for the types prov4ml writes (int, long, double, dateTime, qualified name).
 */
import { xsdLexicalProblem } from './xsd.js';

/**
 * A typed literal; datatype is a qualified name string such as 'xsd:int', 'xsd:double', 'xsd:dateTime',
 * 'prov:QUALIFIED_NAME'. An `xsd:` value outside its type's lexical space is a TypeError, so the
 * writer can never produce a literal the reader (or python prov) rejects.
 */
export class Literal {
  constructor(
    readonly value: string,
    readonly datatype: string,
    readonly lang?: string,
  ) {
    if (typeof value !== 'string') throw new TypeError(`Literal(value): must be a string, got ${typeof value}`);
    if (typeof datatype !== 'string' || datatype.length === 0) throw new TypeError('Literal(datatype): must be a qualified name string');
    if (lang !== undefined && (typeof lang !== 'string' || !LANGUAGE_TAG.test(lang))) throw new TypeError(`Literal(lang): not a language tag: ${String(lang)}`);
    if (datatype.startsWith('xsd:')) {
      const problem = xsdLexicalProblem(value, datatype.slice('xsd:'.length));
      if (problem !== null) throw new TypeError(`Literal(value): ${JSON.stringify(value.slice(0, 40))} is ${problem}`);
    }
  }
}

/** BCP 47 shape, as PROV-JSON's "lang" needs it. */
export const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An xsd:int literal; throws TypeError unless `n` is an integer in the 32-bit range (use {@link long} beyond). */
export function int(n: number): Literal {
  if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) {
    throw new TypeError(`int(n): n must be an integer between ${INT32_MIN} and ${INT32_MAX}, got ${String(n)}; use long() for larger integers`);
  }
  return new Literal(String(n), 'xsd:int');
}

/** An xsd:long literal; throws TypeError unless `n` is a safe integer. */
export function long(n: number): Literal {
  if (!Number.isSafeInteger(n)) throw new TypeError(`long(n): n must be a safe integer, got ${String(n)}`);
  return new Literal(String(n), 'xsd:long');
}

/** The xsd:double lexical form of a number: NaN and ±Infinity become 'NaN', 'INF', '-INF'. */
export function doubleLexical(n: number): string {
  if (Number.isFinite(n)) return String(n);
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? 'INF' : '-INF';
}

/** An xsd:double literal; NaN → 'NaN', ±Infinity → 'INF' / '-INF'. */
export function double(n: number): Literal {
  if (typeof n !== 'number') throw new TypeError(`double(n): n must be a number, got ${typeof n}`);
  return new Literal(doubleLexical(n), 'xsd:double');
}

/** An xsd:dateTime literal in UTC ('Z'), from epoch milliseconds or a Date. */
export function dateTime(msOrDate: number | Date): Literal {
  return new Literal(isoDateTime(msOrDate, 'msOrDate'), 'xsd:dateTime');
}

/** A prov:QUALIFIED_NAME literal, e.g. qname('prov:Collection'). */
export function qname(q: string): Literal {
  if (typeof q !== 'string' || q.length === 0) throw new TypeError('qname(q): q must be a non-empty string');
  return new Literal(q, 'prov:QUALIFIED_NAME');
}

/** The ISO 8601 UTC form of epoch milliseconds or a Date; `argument` names the caller's argument in the TypeError. */
export function isoDateTime(msOrDate: number | Date, argument: string): string {
  const date = msOrDate instanceof Date ? msOrDate : typeof msOrDate === 'number' ? new Date(msOrDate) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new TypeError(`${argument} must be epoch milliseconds or a valid Date, got ${String(msOrDate)}`);
  }
  return date.toISOString();
}
