/**
 * The separator of a run's metric CSVs (start_run's csv_separator). It must never occur inside a cell,
 * so a reader can split a row without quoting: cells are integers, shortest decimals (digits, '.', '-',
 * '+', 'e') and NaN / INF / -INF, hence no letter or digit. One ASCII byte, so the writer's byte loop
 * and every reader can treat it as one byte.
 */

export const DEFAULT_CSV_SEPARATOR = ',';

/** Printable characters that could occur in a cell, or would start a quoted field. */
const FORBIDDEN = /[A-Za-z0-9.+\-"']/;

/** Why `value` cannot separate metric CSV cells, or null when it can. */
export function csvSeparatorProblem(value: string): string | null {
  if (value.length !== 1) return `is ${JSON.stringify(value)}, not one character`;
  const code = value.charCodeAt(0);
  // Control characters (newlines included) and non-ASCII are out: a byte-wise reader splits on one byte.
  if (code !== 0x09 && (code < 0x20 || code > 0x7e)) return `is ${JSON.stringify(value)}: only a tab or a printable ASCII character separates cells`;
  if (FORBIDDEN.test(value)) return `is ${JSON.stringify(value)}, which can occur inside a cell (letters, digits, '.', '-', '+') or quotes one`;
  return null;
}
