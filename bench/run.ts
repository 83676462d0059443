/**
 * `npm run bench`: runs every bench part, prints `figure | value | limit | ratio`, and with
 * `--json FILE` writes one flat JSON object of all figures. Figures are seconds unless named otherwise.
 */
import { writeFile } from 'node:fs/promises';
import { measureFinalize } from './finalize.js';
import { measureHotPath } from './hot-path.js';
import { measureSampling } from './metrics.js';
import { measureProvJson } from './prov-json.js';
import { measurePythonClient } from './python-client.js';

interface BenchPart {
  readonly measure: () => Promise<Record<string, number>>;
  /** figure → the figure that is its limit (measured in the same run). */
  readonly limits: Readonly<Record<string, string>>;
}

/** Add a part here, one line each. */
const PARTS: readonly BenchPart[] = [
  { measure: measureProvJson, limits: { provjson_write_1m_attrs_s: 'provjson_write_limit_s' } },
  { measure: measureHotPath, limits: { hot_path_ns: 'hot_path_target_ns' } },
  { measure: measureFinalize, limits: { finalize_4x1m_s: 'finalize_4x1m_target_s', finalize_4x1m_wrapped_s: 'finalize_4x1m_target_s' } },
  { measure: measurePythonClient, limits: { python_log_metric_us: 'python_log_metric_target_us' } },
  { measure: measureSampling, limits: { sample_cpu_ms: 'sample_cpu_limit_ms' } },
];

function jsonOutputPath(argv: readonly string[]): string | undefined {
  const index = argv.indexOf('--json');
  if (index < 0) return undefined;
  const path = argv[index + 1];
  if (path === undefined || path.startsWith('--')) throw new Error('bench: --json needs a file path');
  return path;
}

function table(figures: Record<string, number>, limits: Record<string, string>): string {
  const limitFigures = new Set(Object.values(limits));
  const rows = [['figure', 'value', 'limit', 'ratio']];
  for (const [name, value] of Object.entries(figures)) {
    if (limitFigures.has(name)) continue;
    const limitName = limits[name];
    const limit = limitName === undefined ? undefined : figures[limitName];
    rows.push([name, value.toFixed(4), limit === undefined ? '-' : limit.toFixed(4), limit === undefined ? '-' : (value / limit).toFixed(2)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')).join('\n');
}

const figures: Record<string, number> = {};
const limits: Record<string, string> = {};
for (const part of PARTS) {
  Object.assign(figures, await part.measure());
  Object.assign(limits, part.limits);
}
console.log(table(figures, limits));
const output = jsonOutputPath(process.argv.slice(2));
if (output !== undefined) await writeFile(output, `${JSON.stringify(figures, null, 2)}\n`);
