/**
 * Hostile names (issue 6, item 4): experiment names that cannot be a directory are refused with one
 * line, metric and parameter names with '/', '..', control characters, NUL or 10 kB are encoded into
 * file names no longer than a file system allows — and nothing is written outside the run directory.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { needs, pythonModuleAvailable } from '../support/components.js';
import { CLI, onlyRunDir, pythonProvErrors, readMetricCsv, runCommand } from '../support/run-dir.js';

const PROGRAM = join(import.meta.dirname, 'fixtures/hostile-names.mjs');
/** Linux's NAME_MAX: the longest file name, in bytes. */
const NAME_MAX_BYTES = 255;
const TEN_KB = 10_000;

const HOSTILE_EXPERIMENT_NAMES = ['a/b', '..', '.', '../../outside', 'x\u0000y', 'tab\there', 'm'.repeat(TEN_KB)];
const HOSTILE_METRIC_NAMES = [
  'a/b', '..', '.', '../../escape', '/absolute', 'x\u0000y', 'ctl\u0001\u001f\u007f', 'line\nbreak', 'back\\slash',
  'm'.repeat(TEN_KB), `${'m'.repeat(TEN_KB - 1)}n`, 'é/'.repeat(TEN_KB / 2),
];

/** Every path under `root` (directories included), not following symbolic links. */
function walk(root: string): string[] {
  const paths: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    paths.push(path);
    if (lstatSync(path).isDirectory()) paths.push(...walk(path));
  }
  return paths;
}

test('hostile experiment names are refused in one line; hostile metric names stay inside the run directory', needs('python3-prov', pythonModuleAvailable('prov')), async () => {
  const root = mkdtempSync(join(tmpdir(), 'prov4ml-names-'));
  const saveDir = join(root, 'save');
  // The program runs in a directory of its own inside the root, so a write relative to it is seen too.
  const workDir = join(root, 'work');
  mkdirSync(workDir);
  const result = await runCommand(process.execPath, [CLI, 'run', '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
    cwd: workDir,
    env: {
      ...process.env,
      PROV4ML_PROVENANCE_SAVE_DIR: saveDir,
      HOSTILE_EXPERIMENT_NAMES: JSON.stringify(HOSTILE_EXPERIMENT_NAMES),
      HOSTILE_METRIC_NAMES: JSON.stringify(HOSTILE_METRIC_NAMES),
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const refusals = result.stdout.split('\n').filter((line) => line.startsWith('refused '));
  assert.equal(refusals.length, HOSTILE_EXPERIMENT_NAMES.length, result.stdout);
  for (const refusal of refusals) assert.match(refusal, /^refused experimentName/);
  assert.doesNotMatch(result.stdout, /^accepted/m);

  const runDir = onlyRunDir(saveDir);
  assert.equal(relative(saveDir, runDir), 'names_0');
  const outside = walk(root).filter((path) => {
    const inRun = path === runDir || path.startsWith(runDir + sep);
    const claims = path.startsWith(join(saveDir, '.prov4ml'));
    return !inRun && !claims && path !== saveDir && path !== workDir;
  });
  assert.deepEqual(outside, [], 'nothing is written outside the run directory');
  for (const path of walk(runDir)) {
    const name = path.slice(path.lastIndexOf(sep) + 1);
    assert.ok(Buffer.byteLength(name) <= NAME_MAX_BYTES, `${Buffer.byteLength(name)} bytes: ${name.slice(0, 60)}…`);
    assert.doesNotMatch(name, /[\u0000-\u001f\u007f\\]/, 'no control character or backslash in a file name');
    assert.ok(!lstatSync(path).isSymbolicLink(), path);
  }

  // One CSV per metric name, each with its one point: the value is the name's index, so none is lost or merged.
  const csvs = readdirSync(join(runDir, 'metrics'));
  assert.equal(csvs.length, HOSTILE_METRIC_NAMES.length, csvs.join('\n'));
  const values = csvs.map((csv) => readMetricCsv(join(runDir, 'metrics', csv))).map((series) => (assert.equal(series.rows, 1), series.sum));
  assert.deepEqual(values.sort((a, b) => a - b), HOSTILE_METRIC_NAMES.map((_, i) => i));
  assert.deepEqual(await pythonProvErrors([join(runDir, 'prov_names_GR0.json'), join(runDir, 'prov_collection.json')]), []);
});
