/** Lexical checks for the XML Schema datatypes PROV literals use. */

const DOUBLE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const INTEGER = /^[+-]?\d+$/;
const BOOLEAN = /^(?:true|false|1|0)$/;
const DATE_TIME = /^-?\d{4,}-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|[+-](\d\d):(\d\d))?$/;

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint | null, bigint | null]>> = {
  integer: [null, null],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-32768n, 32767n],
  byte: [-128n, 127n],
  nonNegativeInteger: [0n, null],
  positiveInteger: [1n, null],
  nonPositiveInteger: [null, 0n],
  negativeInteger: [null, -1n],
  unsignedLong: [0n, 2n ** 64n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  unsignedShort: [0n, 65535n],
  unsignedByte: [0n, 255n],
};

/** True when `lexical` is a valid xsd:dateTime (time zone optional). */
export function isXsdDateTime(lexical: string): boolean {
  const match = DATE_TIME.exec(lexical);
  if (match === null) return false;
  const [month, day, hour, minute, second, zoneHour, zoneMinute] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as number[];
  return month! >= 1 && month! <= 12 && day! >= 1 && day! <= 31 && hour! <= 24 && minute! <= 59 && second! <= 60 && zoneHour! <= 14 && zoneMinute! <= 59;
}

/**
 * Why `lexical` is not a valid value of the XML Schema type `local` (e.g. 'int', 'dateTime'),
 * or null when it is (or when the type is not one with a checked lexical space).
 */
export function xsdLexicalProblem(lexical: string, local: string): string | null {
  const range = INTEGER_RANGES[local];
  if (range !== undefined) {
    if (!INTEGER.test(lexical)) return `not an xsd:${local}`;
    const value = BigInt(lexical);
    const [min, max] = range;
    if ((min !== null && value < min) || (max !== null && value > max)) return `out of the xsd:${local} range`;
    return null;
  }
  switch (local) {
    case 'double':
    case 'float':
      return DOUBLE.test(lexical) ? null : `not an xsd:${local}`;
    case 'decimal':
      return DECIMAL.test(lexical) ? null : 'not an xsd:decimal';
    case 'boolean':
      return BOOLEAN.test(lexical) ? null : 'not an xsd:boolean';
    case 'dateTime':
      return isXsdDateTime(lexical) ? null : 'not an xsd:dateTime';
    default:
      return null;
  }
}
