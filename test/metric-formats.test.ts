/**
 * Metric files in the original's formats (issue 16, item 2): what the reference implementation of each
 * format reads back — netCDF4-python for `.nc`, zarr-python for `.zarr` — equals the points logged bit
 * for bit (NaN payloads, ±Infinity, -0 and subnormals included) for 1 and 1,000,000 points; so do the
 * Python client's getters and our own reader. The text layout is the original's; the report plots a
 * netCDF or Zarr run as it does a CSV one; `merge` rebuilds the same files; a bad format name is refused
 * through the flag, the variable and Python.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { METRIC_FILE_SUFFIXES, parseOriginalMetricFile, type MetricFormat } from '@prov4ml/prov-core';
import { buildReport, readMetricFile } from '@prov4ml/report';
import { bitsValues } from './fixtures/bit-values.mjs';
import { DEBIAN_PYTHON, needs, pythonModuleAvailable } from './support/components.js';
import { CLI, onlyRunDir, REPO_ROOT, runCommand } from './support/run-dir.js';

const BITS_PROGRAM = join(REPO_ROOT, 'test/fixtures/log-bits.mjs');
const POINTS_PROGRAM = join(REPO_ROOT, 'test/fixtures/log-points.mjs');
const REFERENCE_READER = join(REPO_ROOT, 'test/fixtures/read-metric-reference.py');
const PYTHON_CLIENT = join(REPO_ROOT, 'packages/agent/python');
const MILLION = 1_000_000;

const netcdf4 = needs('Debian python3-netcdf4', pythonModuleAvailable('netCDF4'));
const zarr = needs('Debian python3-zarr', pythonModuleAvailable('zarr'));
const python = needs('Debian python3', pythonModuleAvailable('json'));

interface Reading {
  points: number;
  attributes: Record<string, unknown>;
  step: Buffer;
  value: Buffer;
  timestamp: Buffer;
}

const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-formats-'));
  scratchDirs.push(dir);
  return dir;
}

/** Runs log-bits.mjs (the TypeScript API, its own agent) with `format`; returns the run directory. */
async function logBits(format: MetricFormat, points: number, env: Record<string, string> = {}): Promise<string> {
  const saveDir = scratch();
  const result = await runCommand(process.execPath, [BITS_PROGRAM], {
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, PROV4ML_METRICS_FORMAT: format, PROV4ML_METRICS_INTERVAL: '0', POINTS: String(points), ...env },
    timeoutMs: 300_000,
  });
  assert.equal(result.code, 0, result.stderr);
  return onlyRunDir(saveDir);
}

/** What `reader` (netcdf4, zarr, or the Python client's getters) reads from the metric file at `path`. */
async function readWith(reader: 'netcdf4' | 'zarr' | 'getters', path: string, runDir = ''): Promise<Reading> {
  const out = join(scratch(), 'read');
  const args = [REFERENCE_READER, reader, path, out, ...(reader === 'getters' ? [runDir, 'bits', 'TRAINING'] : [])];
  const result = await runCommand(DEBIAN_PYTHON, args, { env: { ...process.env, PYTHONPATH: PYTHON_CLIENT }, timeoutMs: 300_000 });
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as Pick<Reading, 'points' | 'attributes'>;
  return { ...parsed, step: readFileSync(`${out}.step`), value: readFileSync(`${out}.value`), timestamp: readFileSync(`${out}.timestamp`) };
}

function bytesOf(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Equal bytes; else the first point whose bits differ, in hex. */
function assertSameBits(actual: Buffer, expected: Float64Array, what: string): void {
  const wanted = bytesOf(expected);
  if (actual.equals(wanted)) return;
  const count = Math.min(actual.length, wanted.length) / 8;
  let at = 0;
  while (at < count && actual.readBigUInt64LE(8 * at) === wanted.readBigUInt64LE(8 * at)) at++;
  const hex = (buffer: Buffer) => (at < buffer.length / 8 ? buffer.readBigUInt64LE(8 * at).toString(16) : 'nothing');
  assert.fail(`${what}: ${actual.length / 8} points read, ${expected.length} logged; point ${at} is 0x${hex(actual)}, logged 0x${hex(wanted)}`);
}

const steps = (points: number) => Float64Array.from({ length: points }, (_, i) => i);

function assertTimestamps(reading: Buffer, points: number, what: string): void {
  const timestamps = new Float64Array(reading.buffer, reading.byteOffset, reading.length / 8);
  assert.equal(timestamps.length, points, what);
  for (let i = 0; i < timestamps.length; i++) {
    assert.ok(Number.isInteger(timestamps[i]) && timestamps[i]! > 1.7e12 && (i === 0 || timestamps[i]! >= timestamps[i - 1]!), `${what}: timestamp ${i} is ${timestamps[i]}`);
  }
}

const metricFile = (runDir: string, format: MetricFormat, name = 'bits', context = 'TRAINING') => join(runDir, 'metrics', `${name}_${context}_GR0${METRIC_FILE_SUFFIXES[format]}`);

describe('netCDF and Zarr metric files, read back by their reference readers bit for bit', () => {
  for (const points of [1, MILLION]) {
    test(`netcdf, ${points} point(s): netCDF4-python, prov4ml.getters and readMetricFile read every bit logged`, { ...netcdf4 }, async () => {
      const runDir = await logBits('netcdf', points);
      const file = metricFile(runDir, 'netcdf');
      const reference = await readWith('netcdf4', file);
      assert.equal(reference.points, points);
      assert.deepEqual(reference.attributes, {
        name: 'bits', context: 'TRAINING', source: 'metric', rank: 0, format: 'NETCDF3_64BIT_OFFSET',
        units: { step: '1', value: '1', timestamp: 'milliseconds since 1970-01-01 00:00:00 UTC' },
      });
      await assertEveryReader(runDir, file, reference, points);
    });

    test(`zarr, ${points} point(s): zarr-python, prov4ml.getters and readMetricFile read every bit logged`, { ...zarr }, async () => {
      const runDir = await logBits('zarr', points);
      const file = metricFile(runDir, 'zarr');
      const reference = await readWith('zarr', file);
      assert.equal(reference.points, points);
      assert.deepEqual(reference.attributes, { name: 'bits', context: 'TRAINING', source: 'metric', rank: 0, codec: 'zlib', chunks: [Math.min(points, 65_536)] });
      await assertEveryReader(runDir, file, reference, points);
    });
  }

  test('zarr with use_compressor=BLOSC_ZSTD: Blosc frames (zlib inside) that numcodecs decodes bit for bit', { ...zarr }, async () => {
    const points = 200_000;
    const runDir = await logBits('zarr', points, { ZARR_CODEC: 'blosc' });
    const file = metricFile(runDir, 'zarr');
    const reference = await readWith('zarr', file);
    assert.deepEqual(reference.attributes, { name: 'bits', context: 'TRAINING', source: 'metric', rank: 0, codec: 'blosc', chunks: [65_536] });
    await assertEveryReader(runDir, file, reference, points);
  });

  test('startRun({ metricsFormat }) beats PROV4ML_METRICS_FORMAT; the document names the file and its format', async () => {
    const runDir = await logBits('zarr', 10, { START_RUN_FORMAT: 'netcdf' });
    assert.deepEqual(readdirSync(join(runDir, 'metrics')), ['bits_TRAINING_GR0.nc']);
    const document = readFileSync(join(runDir, 'prov_bits_GR0.json'), 'utf8');
    assert.match(document, /"prov-ml:metrics_format":\s*"netcdf"/);
    assert.match(document, /"prov-ml:metric_file":\s*"metrics\/bits_TRAINING_GR0\.nc"/);
  });

  for (const format of ['netcdf', 'zarr'] as const) {
    test(`merge rebuilds the ${format} files the live aggregator wrote, byte for byte`, async () => {
      const runDir = await logBits(format, 150_000);
      const live = filesUnder(join(runDir, 'metrics'));
      rmSync(join(runDir, 'metrics'), { recursive: true });
      const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
      assert.equal(merged.code, 0, merged.stderr);
      assert.deepEqual(filesUnder(join(runDir, 'metrics')), live);
    });
  }
});

/** The getters and readMetricFile agree with the reference reading, which equals what was logged. */
async function assertEveryReader(runDir: string, file: string, reference: Reading, points: number): Promise<void> {
  const logged = bitsValues(points);
  assertSameBits(reference.value, logged, 'reference values');
  assertSameBits(reference.step, steps(points), 'reference steps');
  assertTimestamps(reference.timestamp, points, 'reference timestamps');
  const getters = await readWith('getters', file, runDir);
  assert.deepEqual(getters.attributes, { step_types: points > 0 ? ['int'] : [] });
  for (const column of ['step', 'value', 'timestamp'] as const) assert.ok(getters[column].equals(reference[column]), `getters ${column}`);
  const ours = await readMetricFile(file);
  assertSameBits(bytesOf(ours.values), logged, 'readMetricFile values');
  assert.ok(bytesOf(ours.timestamps).equals(reference.timestamp), 'readMetricFile timestamps');
  assert.equal(ours.name, 'bits');
}

/** Every file under `dir`: relative path → sha256 of its bytes. */
function filesUnder(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, filesUnder(path, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

describe('the original text layout (txt)', () => {
  test('header "name, Context.X, source", rows "step, value, timestamp", NaN and infinities spelled as Python does; through prov4ml run', async () => {
    const points = 40;
    const saveDir = scratch();
    const result = await runCommand(process.execPath, [CLI, 'run', '-n', '1', '--metrics-format', 'txt', '--metrics-interval', '0', '--', process.execPath, BITS_PROGRAM], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(points) },
    });
    assert.equal(result.code, 0, result.stderr);
    const runDir = onlyRunDir(saveDir);
    assert.deepEqual(readdirSync(join(runDir, 'metrics')), ['bits_TRAINING_GR0.txt']);
    const text = readFileSync(metricFile(runDir, 'txt'), 'utf8');
    const [header, ...rows] = text.split('\n');
    assert.equal(header, 'bits, Context.TRAINING, metric');
    assert.equal(rows.pop(), '', 'the last row ends in a newline');
    const logged = bitsValues(points);
    assert.equal(rows.length, points);
    rows.forEach((row, i) => {
      const match = /^(\d+), (nan|inf|-inf|-?[0-9.e+-]+), (\d+)$/.exec(row);
      assert.ok(match, `row ${i}: ${row}`);
      assert.equal(Number(match[1]), i);
      const value = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, '-inf': Number.NEGATIVE_INFINITY }[match[2]!] ?? Number(match[2]);
      // Text keeps every value but a NaN's payload and the sign of -0.
      assert.ok(Object.is(value, logged[i]) || (Number.isNaN(value) && Number.isNaN(logged[i])) || (value === 0 && logged[i] === 0), `row ${i}: ${row} for ${logged[i]}`);
    });
    const original = parseOriginalMetricFile(text, 'bits_TRAINING_GR0.txt');
    assert.deepEqual([original.name, original.context, original.source, original.values.length], ['bits', 'Context.TRAINING', 'metric', points]);
    if (python.skip === undefined) {
      const getters = await readWith('getters', metricFile(runDir, 'txt'), runDir);
      assert.equal(getters.points, points);
      assert.ok(getters.step.equals(bytesOf(steps(points))), 'getters steps');
      assert.deepEqual(Array.from(new Float64Array(getters.value.buffer, getters.value.byteOffset, points)), original.values);
    }
  });
});

describe('the report and the bad names', () => {
  test('the report plots a netCDF and a Zarr run exactly as it plots the same run in CSV', async () => {
    const pages: Record<string, { plots: number; lines: number; notes: readonly string[] }> = {};
    for (const format of ['csv', 'netcdf', 'zarr'] as const) {
      const saveDir = scratch();
      const result = await runCommand(process.execPath, [POINTS_PROGRAM], {
        env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, PROV4ML_METRICS_FORMAT: format, PROV4ML_METRICS_INTERVAL: '0', POINTS: '3000' },
      });
      assert.equal(result.code, 0, result.stderr);
      const report = await buildReport(onlyRunDir(saveDir));
      pages[format] = { plots: report.plotCount, lines: report.lineCount, notes: report.notes };
    }
    assert.deepEqual(pages.csv, { plots: 2, lines: 2, notes: [] });
    assert.deepEqual(pages.netcdf, pages.csv);
    assert.deepEqual(pages.zarr, pages.csv);
  });

  test('an unknown format: one line naming the flag\'s option or the variable, a non-zero exit, no run directory', async () => {
    const expected = 'is not one of csv, txt, netcdf, zarr';
    for (const [args, env, name] of [
      [['--metrics-format', 'parquet'], {}, 'metricsFormat'],
      [[], { PROV4ML_METRICS_FORMAT: 'parquet' }, 'PROV4ML_METRICS_FORMAT'],
    ] as const) {
      const saveDir = scratch();
      const result = await runCommand(process.execPath, [CLI, 'run', '-n', '1', ...args, '--', process.execPath, POINTS_PROGRAM], {
        env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, ...env },
      });
      assert.notEqual(result.code, 0);
      assert.equal(result.stderr, `prov4ml: ${name}: "parquet" ${expected}\n`);
      assert.deepEqual(readdirSync(saveDir), []);
    }
  });

  test('an unknown metrics_file_type in Python: a TypeError naming it and the allowed values; the enum, its value and its name are accepted', python, async () => {
    const program = [
      'import prov4ml',
      'from prov4ml._api import _metrics_file_type',
      'print([_metrics_file_type(t, "start_run") for t in (prov4ml.MetricsType.NETCDF, "netcdf", "NETCDF", "zarr", "TEXT", "txt")])',
      'prov4ml.start_run("www.example.org", "x", metrics_file_type="parquet")',
    ].join('\n');
    const result = await runCommand(DEBIAN_PYTHON, ['-c', program], { env: { ...process.env, PYTHONPATH: PYTHON_CLIENT } });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "['netcdf', 'netcdf', 'netcdf', 'zarr', 'txt', 'txt']\n");
    assert.equal(
      result.stderr.trim().split('\n').at(-1),
      "TypeError: start_run: metrics_file_type must be a MetricsType (TEXT, CSV, ZARR, NETCDF) or its value (txt, csv, zarr, netcdf), got 'parquet'",
    );
  });
});
