/**
 * The original's text layout of a metric file (yProvML §3.2, `.txt`): a header `name, context,
 * source` (`Context.TRAINING`, `None` for no source), then `step, value, timestamp_ms` per point,
 * with Python's spellings `nan`, `inf`, `-inf`. The original's readers (and ours:
 * prov-core `parseOriginalMetricFile`) split on `,` and strip the spaces. Rows are our CSV rows
 * rewritten byte by byte, so values keep their shortest round-trip decimals.
 */
import { formatCsvRows } from './csv-format.js';
import type { MetricFileSpec } from './metric-file-writer.js';

export function textHeader(spec: Pick<MetricFileSpec, 'name' | 'context' | 'source'>): string {
  return `${spec.name}, Context.${spec.context}, ${spec.source ?? 'None'}\n`;
}

const COMMA = 0x2c;
const SPACE = 0x20;

/** CSV bytes → text bytes: `, ` for `,`; NaN/INF (the only capitals in our rows) in Python's lower case. */
const TEXT_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => (byte === 0x4e || byte === 0x49 || byte === 0x46 ? byte + 0x20 : byte));

/** The text rows of points [0, steps.length) as bytes (a view of a fresh, transferable ArrayBuffer). */
export function formatTextRows(steps: Float64Array, values: Float64Array, timestamps: Float64Array): Uint8Array {
  const csv = formatCsvRows(steps, values, timestamps, ',');
  // Two commas per row, each gaining a space.
  const out = new Uint8Array(csv.length + 2 * steps.length);
  let at = 0;
  for (let i = 0; i < csv.length; i++) {
    const byte = csv[i]!;
    out[at++] = TEXT_BYTE[byte]!;
    if (byte === COMMA) out[at++] = SPACE;
  }
  return out.subarray(0, at);
}
