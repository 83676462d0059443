/**
 * `npm run bench`: runs every bench part and prints one row per target, `figure | value | limit |
 * ratio | ok | target`, where the limit is a factor times a figure measured in the same run (or an
 * absolute number); figures without a target get a row of their own. With `--json FILE` it writes one
 * flat JSON object of all figures; `--only NAME,…` runs only the named parts. Figures are seconds
 * unless their name says otherwise.
 */
import { writeFile } from 'node:fs/promises';
import { measureCrate } from './crate.js';
import { measureFinalize } from './finalize.js';
import { measureHotPath } from './hot-path.js';
import { measureIngest } from './ingest.js';
import { measureMemory } from './memory.js';
import { measureSampling } from './metrics.js';
import { measureProvJson } from './prov-json.js';
import { measurePythonClient } from './python-client.js';
import { measurePythonStandalone } from './python-standalone.js';
import { measureRanks1024 } from './ranks-1024.js';
import { measureWrapperOverhead } from './wrapper-overhead.js';

/** One bound on a figure: `factor × limit` (a figure's name, or an absolute number). */
interface Target {
  readonly limit: string | number;
  readonly factor?: number;
  /** 'at_most' (the default) for costs, 'at_least' for throughputs. */
  readonly direction?: 'at_most' | 'at_least';
}

interface BenchPart {
  readonly name: string;
  readonly measure: () => Promise<Record<string, number>>;
  readonly targets: Readonly<Record<string, readonly Target[]>>;
}

/** Add a part here, one line each; the targets are issue 7's (item 2) unless marked otherwise. */
const PARTS: readonly BenchPart[] = [
  // Issue 2: PROV-JSON writing at most twice JSON.stringify + write of the same JSON.
  { name: 'prov-json', measure: measureProvJson, targets: { provjson_write_1m_attrs_s: [{ limit: 'provjson_stringify_write_1m_attrs_s', factor: 2 }] } },
  // The 50 ns bound is issue 3's absolute one, kept beside issue 7's relative ones.
  { name: 'hot-path', measure: measureHotPath, targets: { hot_path_ns: [{ limit: 'hot_path_limit_ns', factor: 2 }, { limit: 'hot_path_otel_ns', factor: 0.1 }, { limit: 50 }] } },
  // Issue 12: the seed's loop form within 4 × an empty function taking the same arguments, and 10× faster than the original's 3.4 µs.
  { name: 'python-client', measure: measurePythonClient, targets: { python_log_metric_us: [{ limit: 'python_empty_call_us', factor: 4 }, { limit: 0.35 }] } },
  // Issue 12: a plain `python train.py` starting its own agent (the original's end_run takes 3.3–3.9 s).
  {
    name: 'python-standalone',
    measure: measurePythonStandalone,
    targets: { python_standalone_start_run_s: [{ limit: 0.25 }], python_standalone_end_run_1m_s: [{ limit: 0.5 }] },
  },
  { name: 'ingest', measure: measureIngest, targets: { ingest_points_per_s: [{ limit: 'ingest_limit_points_per_s', factor: 0.5, direction: 'at_least' }] } },
  {
    name: 'finalize',
    measure: measureFinalize,
    targets: {
      finalize_1m_s: [{ limit: 0.3 }],
      finalize_10m_s: [{ limit: 3 }, { limit: 'finalize_10m_limit_s', factor: 3 }],
      // Issue 3's bound for four ranks of 1M points.
      finalize_4x1m_s: [{ limit: 1 }],
      finalize_4x1m_wrapped_s: [{ limit: 1 }],
    },
  },
  { name: 'memory', measure: measureMemory, targets: { agent_rss_growth_mb_10m: [{ limit: 32 }], aggregator_rss_mb_10m: [{ limit: 256 }] } },
  { name: 'ranks-1024', measure: measureRanks1024, targets: { ranks_1024_lost_points: [{ limit: 0 }], ranks_1024_finalize_s: [{ limit: 2 }] } },
  { name: 'wrapper-overhead', measure: measureWrapperOverhead, targets: { wrapper_overhead_pct: [{ limit: 2 }] } },
  // Issue 5: one full metrics sample within 5 ms of the agent's CPU.
  { name: 'metrics', measure: measureSampling, targets: { sample_cpu_ms: [{ limit: 5 }] } },
  // Issue 16: the RO-Crate of 64 ranks × 100k points, every file hashed, within 2 s; sha256sum of the same files beside it.
  { name: 'crate', measure: measureCrate, targets: { crate_64x100k_s: [{ limit: 2 }] } },
];

/** The value after `flag`, if the flag is given. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`bench: ${flag} needs a value`);
  return value;
}

function selectedParts(only: string | undefined): readonly BenchPart[] {
  if (only === undefined) return PARTS;
  const names = only.split(',');
  const unknown = names.filter((name) => !PARTS.some((part) => part.name === name));
  if (unknown.length > 0) throw new Error(`bench: --only names unknown parts ${unknown.join(', ')} (known: ${PARTS.map((part) => part.name).join(', ')})`);
  return PARTS.filter((part) => names.includes(part.name));
}

function targetRow(name: string, value: number, target: Target, figures: Record<string, number>): string[] {
  const factor = target.factor ?? 1;
  const base = typeof target.limit === 'number' ? target.limit : figures[target.limit];
  if (base === undefined) throw new Error(`bench: the limit figure ${String(target.limit)} of ${name} was not measured`);
  const limit = factor * base;
  const atLeast = target.direction === 'at_least';
  const ok = atLeast ? value >= limit : value <= limit;
  const scaled = typeof target.limit === 'number' ? '' : factor === 1 ? target.limit : `${factor} × ${target.limit}`;
  const rule = `${atLeast ? '≥' : '≤'} ${scaled === '' ? String(limit) : scaled}`;
  const ratio = limit === 0 ? (value === 0 ? '0.00' : '∞') : (value / limit).toFixed(2);
  return [name, format(value), format(limit), ratio, ok ? 'yes' : 'NO', rule];
}

/** Four significant digits, without exponent notation for the throughput figures. */
function format(value: number): string {
  return Math.abs(value) >= 1e4 ? value.toFixed(0) : String(Number(value.toPrecision(4)));
}

function table(figures: Record<string, number>, targets: Record<string, readonly Target[]>): string {
  const rows = [['figure', 'value', 'limit', 'ratio', 'ok', 'target']];
  for (const [name, value] of Object.entries(figures)) {
    const bounds = targets[name] ?? [];
    if (bounds.length === 0) rows.push([name, format(value), '-', '-', '-', '-']);
    for (const target of bounds) rows.push(targetRow(name, value, target, figures));
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ').trimEnd()).join('\n');
}

const argv = process.argv.slice(2);
const figures: Record<string, number> = {};
const targets: Record<string, readonly Target[]> = {};
for (const part of selectedParts(flagValue(argv, '--only'))) {
  Object.assign(figures, await part.measure());
  Object.assign(targets, part.targets);
}
console.log(table(figures, targets));
const output = flagValue(argv, '--json');
if (output !== undefined) await writeFile(output, `${JSON.stringify(figures, null, 2)}\n`);
