/**
 * Readers for what the original yProvML left behind besides PROV-JSON: Python list reprs inlined as
 * attribute strings (G1/G2) and metric side files (G1 `.txt`, G2 TAB `.csv`, G3 `.csv`/`.txt`).
 */
import { Literal } from '../prov/literal.js';
import type { Attributes } from '../prov/model.js';
import { UserError } from '../errors.js';
import { oneLine } from '../text.js';

/** One metric's points, as the original stored them. */
export interface OriginalMetricSeries {
  readonly name: string;
  /** e.g. 'Context.TRAINING'. */
  readonly context: string;
  /** e.g. 'LoggingItemKind.SYSTEM_METRIC'; '' or 'None' when the original did not know it. */
  readonly source: string;
  readonly steps: number[];
  /** NaN and ±Infinity are kept. */
  readonly values: number[];
  /** Unix epoch milliseconds. */
  readonly timestamps: number[];
}

/** A Python number repr, bare or wrapped by numpy ≥ 2 (`np.float64(1.5)`, `np.int64(3)`). */
const NUMPY_WRAPPED = /^(?:np|numpy)\.(?:float|int|uint)\d*\((.*)\)$/;
const PYTHON_SPECIALS: Readonly<Record<string, number>> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '+inf': Infinity, NaN: NaN, INF: Infinity, '-INF': -Infinity };
const DECIMAL_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Reads one number the way the original wrote it; throws UserError naming `what`. */
export function decodeOriginalNumber(token: string, what: string): number {
  const trimmed = token.trim();
  const inner = NUMPY_WRAPPED.exec(trimmed)?.[1]?.trim() ?? trimmed;
  const special = PYTHON_SPECIALS[inner];
  if (special !== undefined) return special;
  if (DECIMAL_NUMBER.test(inner)) return Number(inner);
  throw new UserError(`${what}: cannot read ${JSON.stringify(oneLine(trimmed, 40))} as a number`);
}

/** Decodes a stringified Python list such as "[0, 1]" or "[np.float64(1.5), nan]". */
export function decodeOriginalList(text: string, what: string): number[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) throw new UserError(`${what}: expected a list like "[1, 2]", got ${JSON.stringify(oneLine(text, 40))}`);
  const body = trimmed.slice(1, -1).trim();
  return body === '' ? [] : body.split(',').map((token) => decodeOriginalNumber(token, what));
}

/**
 * The series inlined in a G1/G2 metric entity (`prov-ml:metric_epoch_list` and its siblings), or
 * null when the entity carries none. `what` names the entity in errors.
 */
export function originalInlineSeries(attributes: Attributes, what: string): OriginalMetricSeries | null {
  const text = (key: string): string | undefined => {
    const value = attributes[`prov-ml:${key}`];
    if (value instanceof Literal) return value.value;
    return typeof value === 'string' ? value : undefined;
  };
  const epochs = text('metric_epoch_list');
  const values = text('metric_value_list');
  const timestamps = text('metric_timestamp_list');
  if (epochs === undefined || values === undefined || timestamps === undefined) return null;
  const series = {
    name: text('name') ?? '',
    context: text('context') ?? '',
    source: text('source') ?? '',
    steps: decodeOriginalList(epochs, `${what} prov-ml:metric_epoch_list`),
    values: decodeOriginalList(values, `${what} prov-ml:metric_value_list`),
    timestamps: decodeOriginalList(timestamps, `${what} prov-ml:metric_timestamp_list`),
  };
  if (series.values.length !== series.steps.length || series.timestamps.length !== series.steps.length) {
    throw new UserError(`${what}: its epoch, value and timestamp lists have different lengths (${series.steps.length}, ${series.values.length}, ${series.timestamps.length})`);
  }
  return series;
}

/**
 * Parses a metric side file of the original. The first line is a header `name<sep>context<sep>source`
 * (pandas in G2 read it as column names); each further line is `step<sep>value<sep>timestamp_ms`,
 * separated by TAB (G2) or by commas with optional spaces (G1 `.txt`, G3). `fileName` names the
 * file in errors and supplies name and context when the header lacks them, split as the original did
 * (`<name>_<context>_GR<rank>.<ext>`, the name may itself contain `_`).
 */
export function parseOriginalMetricFile(text: string, fileName: string): OriginalMetricSeries {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (header === undefined) throw new UserError(`${fileName}: empty metric file`);
  const separator = header.includes('\t') ? /\t/ : /\s*,\s*/;
  const [headerName, headerContext, headerSource] = header.split(separator).map((field) => field.trim());
  const fromFileName = nameAndContextFromFileName(fileName);
  const series: OriginalMetricSeries = {
    name: headerName || fromFileName.name,
    context: headerContext || fromFileName.context,
    source: headerSource ?? '',
    steps: [],
    values: [],
    timestamps: [],
  };
  lines.forEach((line, index) => {
    const fields = line.split(separator);
    const where = `${fileName} line ${index + 2}`;
    if (fields.length !== 3) throw new UserError(`${where}: expected step, value and timestamp, got ${fields.length} field(s)`);
    series.steps.push(decodeOriginalNumber(fields[0] as string, where));
    series.values.push(decodeOriginalNumber(fields[1] as string, where));
    series.timestamps.push(decodeOriginalNumber(fields[2] as string, where));
  });
  return series;
}

function nameAndContextFromFileName(fileName: string): { name: string; context: string } {
  const base = (fileName.split(/[\\/]/).pop() ?? fileName).replace(/\.[^.]*$/, '');
  const parts = base.split('_');
  if (parts.length < 3) return { name: base, context: '' };
  return { name: parts.slice(0, -2).join('_'), context: parts[parts.length - 2] as string };
}
