/**
 * `prov4ml unify` on real runs: two runs of two ranks each, written by `prov4ml run -n 2`, unified into
 * one PROV-JSON with a bundle per run and rank, read back by python prov and drawn by Graphviz.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { CLI, REPO_ROOT, pythonProvErrors, runCommand } from '../../../test/support/run-dir.js';

type Records = Record<string, Record<string, unknown>>;
interface Container {
  entity?: Records;
  hadMember?: Records;
  [kind: string]: unknown;
}
interface Unified extends Container {
  bundle: Record<string, Container>;
}

const RUNS = ['train_example_0', 'train_example_1'];
const BUNDLES = RUNS.flatMap((run) => [`${run}.document.GR0`, `${run}.document.GR1`]);

/** Records per kind of a PROV-JSON container (an id holding several records counts each). */
function recordCounts(container: Container): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [kind, records] of Object.entries(container)) {
    if (kind === 'prefix' || kind === 'bundle') continue;
    counts[kind] = Object.values(records as Records).reduce((sum, record) => sum + (Array.isArray(record) ? record.length : 1), 0);
  }
  return counts;
}

describe('prov4ml unify: two runs of two ranks', () => {
  let directory: string;
  let root: string;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'prov4ml-unify-'));
    root = join(directory, 'prov');
    const env = { ...process.env, TRAIN_EPOCHS: '1', TRAIN_SAMPLES: '100' };
    for (let run = 0; run < RUNS.length; run++) {
      const result = await runCommand(process.execPath, [CLI, 'run', '-n', '2', '--', process.execPath, join(REPO_ROOT, 'examples/train.mjs')], { cwd: directory, env, timeoutMs: 120_000 });
      assert.equal(result.code, 0, result.stderr);
    }
    // Another experiment whose name starts the same way: not one of this experiment's runs.
    cpSync(join(root, 'train_example_0'), join(root, 'train_example_extra_0'), { recursive: true });
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('writes <root>/<experiment>_UNIFIED.json: the runs are members of the experiment, each rank document a bundle', async () => {
    const result = await runCommand(process.execPath, [CLI, 'unify', '--experiment', 'train_example', '--root', root, '--dot', '--svg']);
    assert.equal(result.code, 0, result.stderr);
    const path = join(root, 'train_example_UNIFIED.json');
    assert.equal(result.stdout, `${path}: 2 runs, 4 rank documents\n`);
    const validated = await runCommand(process.execPath, [CLI, 'validate', path]);
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    const unified = JSON.parse(readFileSync(path, 'utf8')) as Unified;
    assert.deepEqual(Object.keys(unified.bundle), BUNDLES);
    const members = Object.values(unified.hadMember ?? {}).map((m) => `${String(m['prov:collection'])} > ${String(m['prov:entity'])}`);
    assert.deepEqual(members.sort(), [
      'train_example > train_example_0',
      'train_example > train_example_1',
      ...BUNDLES.map((bundle) => `${bundle.split('.')[0]} > ${bundle}`),
    ].sort());
    assert.deepEqual(unified.entity?.['train_example_1.document.GR1']?.['prov-ml:path'], 'train_example_1/prov_train_example_GR1.json');
    for (const bundle of BUNDLES) {
      const [run, , rank] = bundle.split('.');
      const source = JSON.parse(readFileSync(join(root, run!, `prov_train_example_${rank}.json`), 'utf8')) as Container;
      assert.deepEqual(recordCounts(unified.bundle[bundle]!), recordCounts(source), `${bundle} holds its document's records`);
      assert.deepEqual(Object.keys(unified.bundle[bundle]!.entity ?? {}), Object.keys(source.entity ?? {}));
    }
  });

  it('python prov reads it: four bundles, six memberships', needs('python3-prov', pythonModuleAvailable('prov')), async () => {
    const path = join(root, 'train_example_UNIFIED.json');
    assert.deepEqual(await pythonProvErrors([path]), []);
    const script = [
      'import sys, prov.model as m',
      'doc = m.ProvDocument.deserialize(sys.argv[1], format="json")',
      'print(len(list(doc.bundles)), len(list(doc.get_records(m.ProvMembership))))',
      'print(" ".join(sorted(b.identifier.localpart for b in doc.bundles)))',
    ].join('\n');
    const result = await runCommand(DEBIAN_PYTHON, ['-c', script, path]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `4 6\n${[...BUNDLES].sort().join(' ')}\n`);
  });

  it('--dot and --svg draw it beside the output', needs('graphviz', commandWorks('dot', ['-V'])), () => {
    assert.equal(spawnSync('dot', ['-Tcanon', '-o', devNull, join(root, 'train_example_UNIFIED.dot')]).status, 0);
    assert.match(readFileSync(join(root, 'train_example_UNIFIED.svg'), 'utf8'), /<svg[\s>][\s\S]*<\/svg>\s*$/);
  });

  it('an experiment without runs, or a missing root, is one line naming the flag', async () => {
    for (const [args, message] of [
      [['--experiment', 'nothing', '--root', root], `prov4ml: --root ${root}: no run directories nothing_<id> in it`],
      [['--experiment', 'train_example', '--root', join(directory, 'missing')], `prov4ml: --root ${join(directory, 'missing')}: no such directory`],
    ] as const) {
      const result = await runCommand(process.execPath, [CLI, 'unify', ...args]);
      assert.notEqual(result.code, 0);
      assert.equal(result.stderr, `${message}\n`);
    }
  });
});
