/**
 * The RO-Crate of a real run (issue 16, items 1 and 4): `prov4ml run -n 2` on the points fixture, then
 * `prov4ml crate --zip`, read back by three readers — the `ro-crate` npm library, jsonld.js with the
 * RO-Crate 1.1 context shipped in the report package (no network), Debian's rdflib — and the zip by
 * python's zipfile; the crate asked for at endRun and from Python; and the bad inputs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import jsonld from 'jsonld';
import { DEBIAN_PYTHON, needs, pythonModuleAvailable } from './support/components.js';
import { CLI, REPO_ROOT, runCommand, type CommandResult } from './support/run-dir.js';
import { canMountTmpfs, tmpfs } from './support/tmpfs.js';

const PROGRAM = join(import.meta.dirname, 'fixtures/log-points.mjs');
const CONTEXT_FILE = join(REPO_ROOT, 'packages/report/contexts/ro-crate-1.1-context.jsonld');
const RO_CRATE_CONTEXT = 'https://w3id.org/ro/crate/1.1/context';
/** Relative ids resolve against it, the same for jsonld.js and rdflib. */
const BASE = 'file:///crate/';
/** Folders a crate leaves out. */
const LEFT_OUT = new Set(['spool', '.aggregator', '.prov4ml']);
const hasRdflib = pythonModuleAvailable('rdflib');

type Entity = Record<string, unknown> & { '@id': string };
interface Crate {
  '@context': unknown[];
  '@graph': Entity[];
}

async function finishedRun(env: Record<string, string> = {}, program: string[] = [process.execPath, PROGRAM], exitCode = 0): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-crate-'));
  const result = await runCommand(process.execPath, [CLI, 'run', '-n', '2', '--metrics-interval', '0', '--', ...program], {
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir, POINTS: '500', ...env },
    timeoutMs: 180_000,
  });
  assert.equal(result.code, exitCode, result.stderr);
  return runDirIn(dir);
}

/** The one run directory in a save dir, beside which a zip may lie. */
function runDirIn(saveDir: string): string {
  const runs = readdirSync(saveDir, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'));
  assert.equal(runs.length, 1, `one run directory in ${saveDir}`);
  return join(saveDir, runs[0]!.name);
}

function crateCommand(...args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI, 'crate', ...args]);
}

/** The run directory's files a crate lists, relative, sorted. */
function runFiles(dir: string, relative = ''): string[] {
  return readdirSync(join(dir, relative), { withFileTypes: true })
    .flatMap((entry) => {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) return relative === '' && LEFT_OUT.has(entry.name) ? [] : runFiles(dir, path);
      return path === 'ro-crate-metadata.json' ? [] : [path];
    })
    .sort();
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function readCrate(runDir: string): Crate {
  return JSON.parse(readFileSync(join(runDir, 'ro-crate-metadata.json'), 'utf8')) as Crate;
}

/** Every `{ "@id": … }` a value references, at any depth. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, out);
  else if (value !== null && typeof value === 'object') {
    const id = (value as { '@id'?: unknown })['@id'];
    if (typeof id === 'string' && Object.keys(value).length === 1) out.push(id);
    else for (const [key, inner] of Object.entries(value)) if (key !== '@id') references(inner, out);
  }
  return out;
}

function python(script: string, args: string[]): Promise<CommandResult> {
  return runCommand(DEBIAN_PYTHON, ['-c', script, ...args]);
}

/** Each member's sha256 after `testzip()` found no bad CRC; throws when there was one. */
const ZIP_MEMBERS = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    if bad is not None: raise SystemExit("bad CRC in " + bad)
    print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))
`;

async function zipMembers(zip: string): Promise<Record<string, string>> {
  const result = await python(ZIP_MEMBERS, [zip]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, string>;
}

/** Offline: the RO-Crate 1.1 context is the shipped file, anything else is refused. */
async function documentLoader(url: string): Promise<{ contextUrl: null; documentUrl: string; document: unknown }> {
  if (url !== RO_CRATE_CONTEXT) throw new Error(`no network in this test: ${url}`);
  return { contextUrl: null, documentUrl: url, document: JSON.parse(readFileSync(CONTEXT_FILE, 'utf8')) };
}

/** rdflib is given the same context inline (it would fetch the URL); it prints its triple count. */
const RDFLIB_TRIPLES = `
import json, sys, rdflib
crate = json.load(open(sys.argv[1]))
context = json.load(open(sys.argv[2]))["@context"]
crate["@context"] = [context if c == sys.argv[3] else c for c in crate["@context"]]
graph = rdflib.Graph().parse(data=json.dumps(crate), format="json-ld", base=sys.argv[4])
print(len(graph))
`;

describe('prov4ml crate', () => {
  test('a 2-rank run: every file with size and sha256, each rank an action, read by ro-crate, jsonld and rdflib; the zip by zipfile', needs('python3-rdflib', hasRdflib), async () => {
    const runDir = await finishedRun();
    const before = runFiles(runDir);
    const result = await crateCommand(runDir, '--zip');
    assert.equal(result.code, 0, result.stderr);
    const crate = readCrate(runDir);
    const byId = new Map(crate['@graph'].map((entity) => [entity['@id'], entity]));
    const root = byId.get('./')!;
    assert.deepEqual(references(root['hasPart']), before);
    for (const path of before) {
      const file = byId.get(path)!;
      assert.deepEqual([file['@type'], file['contentSize'], file['sha256']], ['File', String(statSync(join(runDir, path)).size), sha256(join(runDir, path))], path);
    }
    assert.deepEqual(byId.get('prov_points_GR1.json')!['encodingFormat'], ['application/json', { '@id': 'https://www.w3.org/Submission/prov-json/' }]);
    for (const rank of [0, 1]) {
      const action = byId.get(`#rank-${rank}`)!;
      assert.equal(action['@type'], 'CreateAction');
      assert.deepEqual([action['exitCode'], action['actionStatus']], [0, { '@id': 'http://schema.org/CompletedActionStatus' }]);
      const parameters = references(action['object']).map((id) => byId.get(id)!).filter((entity) => entity['@type'] === 'PropertyValue');
      assert.deepEqual(parameters.filter((p) => p['name'] === 'points').map((p) => p['value']), ['500']);
      assert.deepEqual(references(action['result']), [`prov_points_GR${rank}.json`, `metrics/loss_TRAINING_GR${rank}.csv`, `metrics/acc_VALIDATION_GR${rank}.csv`]);
      assert.equal(byId.get(references(action['agent'])[0]!)!['name'], 'www.example.org');
    }

    // ro-crate (npm): loads it, finds every entity referenced; its validator finds no error and every file described.
    // It fetches contexts with the fetch it finds when it loads: that one serves the shipped context, and nothing else.
    globalThis.fetch = (async (url: string | URL | Request) => {
      if (String(url) !== RO_CRATE_CONTEXT) throw new Error(`no network in this test: ${String(url)}`);
      return new Response(readFileSync(CONTEXT_FILE), { headers: { 'content-type': 'application/ld+json' } });
    }) as typeof fetch;
    const { ROCrate } = await import('ro-crate');
    const { Validator } = await import('ro-crate/dist/lib/validator.js');
    const loaded = new ROCrate(crate, { array: true, link: true });
    await loaded.resolveContext();
    assert.equal(loaded.resolveTerm('sha256'), 'http://schema.org/sha256');
    const referenced = [...new Set(references(crate['@graph']))].filter((id) => !id.startsWith('http://schema.org/'));
    assert.deepEqual(referenced.filter((id) => !loaded.getEntity(id)), []);
    const validator = new Validator(loaded);
    await validator.validate();
    validator.checkFiles(Object.fromEntries(before.map((path) => [path, { exists: true, isDir: false }])), loaded);
    const problems = validator.results.filter((r: { status: string; id: string }) => r.status === 'error' || r.id === 'validCrateDataEntityInCrateDir');
    assert.deepEqual(problems, []);

    // jsonld.js expands it with the shipped context; rdflib parses as many triples as jsonld's N-Quads.
    const expanded = await jsonld.expand(crate, { documentLoader, base: BASE });
    assert.equal(expanded.length, crate['@graph'].length);
    const quads = new Set((await jsonld.toRDF(crate, { format: 'application/n-quads', documentLoader, base: BASE })).split('\n').filter(Boolean));
    assert.ok(quads.has(`<${BASE}prov_points_GR0.json> <http://schema.org/sha256> "${sha256(join(runDir, 'prov_points_GR0.json'))}" .`));
    const rdflib = await python(RDFLIB_TRIPLES, [join(runDir, 'ro-crate-metadata.json'), CONTEXT_FILE, RO_CRATE_CONTEXT, BASE]);
    assert.equal(rdflib.code, 0, rdflib.stderr);
    assert.equal(Number(rdflib.stdout.trim()), quads.size);

    // The zip: every listed file and the metadata, each member equal to its file.
    const members = await zipMembers(`${runDir}.crate.zip`);
    assert.deepEqual(Object.keys(members).sort(), [...before, 'ro-crate-metadata.json'].sort());
    for (const [name, digest] of Object.entries(members)) assert.equal(digest, sha256(join(runDir, name)), name);
    assert.deepEqual(runFiles(runDir), before, 'the crate changed no file of the run');
  });

  test('a rank that failed: its action and the job failed, with its exit code and why', async () => {
    const runDir = await finishedRun({ FAIL_RANK: '1' }, [process.execPath, PROGRAM], 1);
    assert.equal((await crateCommand(runDir)).code, 0);
    const byId = new Map(readCrate(runDir)['@graph'].map((entity) => [entity['@id'], entity]));
    const failed = { '@id': 'http://schema.org/FailedActionStatus' };
    assert.deepEqual([byId.get('#rank-1')!['actionStatus'], byId.get('#rank-1')!['exitCode'], byId.get('#rank-1')!['error']], [failed, 1, 'exited 1']);
    assert.deepEqual([byId.get('#rank-0')!['actionStatus'], byId.get('#rank-0')!['exitCode']], [{ '@id': 'http://schema.org/CompletedActionStatus' }, 0]);
    assert.deepEqual([byId.get('#job')!['actionStatus'], byId.get('#job')!['error']], [failed, 'rank 1: exited 1']);
  });

  test('endRun({ crateRoCrate, useCompressor: "zip" }) under prov4ml run: the crate and <run dir>.zip once the job is finalised', async () => {
    const program = "import { Context, endRun, logMetric, startRun } from '@prov4ml/agent'; await startRun({ experimentName: 'ts' }); logMetric('loss', 1, Context.TRAINING, 0); await endRun({ crateRoCrate: true, useCompressor: 'zip' });";
    const runDir = await finishedRun({}, [process.execPath, '--input-type=module', '-e', program]);
    const crate = readCrate(runDir);
    assert.deepEqual(crate['@graph'].filter((entity) => entity['@type'] === 'CreateAction').map((entity) => entity['@id']).sort(), ['#job', '#rank-0', '#rank-1']);
    const members = await zipMembers(`${runDir}.zip`);
    const folder = basename(runDir);
    assert.deepEqual(Object.keys(members).sort(), [...runFiles(runDir), 'ro-crate-metadata.json'].map((path) => `${folder}/${path}`).sort());
    assert.equal(members[`${folder}/ro-crate-metadata.json`], sha256(join(runDir, 'ro-crate-metadata.json')));
    // merge rebuilds what the run end asked for, the packages included.
    rmSync(join(runDir, 'ro-crate-metadata.json'));
    rmSync(`${runDir}.zip`);
    const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(readCrate(runDir)['@graph'].filter((entity) => entity['@type'] === 'CreateAction').length, 3);
    assert.ok(Object.keys(await zipMembers(`${runDir}.zip`)).includes(`${folder}/ro-crate-metadata.json`));
  });

  test('python end_run(crate_ro_crate=True) with start_run(use_compressor=ZIP), standalone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov4ml-crate-py-'));
    const script = [
      'import prov4ml',
      `prov4ml.start_run(prov_user_namespace="https://example.org/lab", experiment_name="py", provenance_save_dir=${JSON.stringify(dir)}, use_compressor=prov4ml.CompressorType.ZIP)`,
      'prov4ml.log_param("lr", 0.1)',
      'for i in range(10): prov4ml.log_metric("loss", 1.0 / (i + 1), prov4ml.Context.TRAINING, step=i)',
      'prov4ml.log_carbon_metrics(prov4ml.Context.TRAINING, step=0)',
      'prov4ml.log_carbon_metrics(prov4ml.Context.TRAINING, step=1)',
      'prov4ml.end_run(crate_ro_crate=True)',
    ].join('\n');
    const env: NodeJS.ProcessEnv = { ...process.env, PROV4ML_CLI: CLI, PYTHONPATH: join(REPO_ROOT, 'packages/agent/python'), PYTHONDONTWRITEBYTECODE: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('PROV4ML_') && name !== 'PROV4ML_CLI') delete env[name];
    const result = await runCommand(DEBIAN_PYTHON, ['-c', script], { env, timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    const runDir = runDirIn(dir);
    const byId = new Map(readCrate(runDir)['@graph'].map((entity) => [entity['@id'], entity]));
    assert.deepEqual(byId.get('#agent'), { '@id': '#agent', '@type': 'Organization', name: 'https://example.org/lab', url: 'https://example.org/lab' });
    const lr = references(byId.get('#rank-0')!['object']).map((id) => byId.get(id)!).find((entity) => entity['name'] === 'lr');
    assert.equal(lr?.['value'], '0.1');
    assert.ok(references(byId.get('#rank-0')!['result']).includes('metrics/loss_TRAINING_GR0.csv'));
    assert.ok(Object.keys(await zipMembers(`${runDir}.zip`)).includes(`${basename(runDir)}/metrics/loss_TRAINING_GR0.csv`));
    // The energy and CO2 totals: the job's, equal to the one rank's cumulative series' last value (the largest over its contexts).
    const totals = references(byId.get('#job')!['additionalProperty']).map((id) => byId.get(id)!);
    const energy = totals.find((total) => total['propertyID'] === 'https://prov4ml.org/ns#energy_consumed');
    const emissions = totals.find((total) => total['propertyID'] === 'https://prov4ml.org/ns#emissions');
    assert.deepEqual([energy?.['unitText'], emissions?.['unitText']], ['J', 'gCO2eq']);
    const lastValue = (metric: string): number => {
      const files = readdirSync(join(runDir, 'metrics')).filter((name) => new RegExp(`^${metric}_[A-Z]+_GR0\\.csv$`).test(name));
      return Math.max(...files.map((name) => Number(readFileSync(join(runDir, 'metrics', name), 'utf8').trim().split('\n').at(-1)!.split(',')[1])));
    };
    assert.deepEqual([energy?.['value'], emissions?.['value']], [lastValue('energy_consumed'), lastValue('emissions')]);
  });
});

describe('prov4ml crate: bad input', () => {
  /** One line on stderr naming `named`, a non-zero exit, no stack trace. */
  function assertRefused(result: CommandResult, named: string, why: RegExp): void {
    assert.notEqual(result.code, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0]!.includes(named), lines[0]);
    assert.match(lines[0]!, why);
  }

  test('no such directory, a file, a directory that is not a run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov4ml-crate-bad-'));
    assertRefused(await crateCommand(join(dir, 'nope')), join(dir, 'nope'), /no such directory/);
    writeFileSync(join(dir, 'file.json'), '{}');
    assertRefused(await crateCommand(join(dir, 'file.json')), join(dir, 'file.json'), /not a directory/);
    mkdirSync(join(dir, 'empty'));
    assertRefused(await crateCommand(join(dir, 'empty')), join(dir, 'empty'), /not a run directory/);
    assert.deepEqual(readdirSync(join(dir, 'empty')), []);
  });

  test('a run still running is refused, and crated once it ended; a spool newer than the collection is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov4ml-crate-running-'));
    const release = join(dir, 'release');
    const job = runCommand(process.execPath, [CLI, 'run', '-n', '2', '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir, POINTS: '500', END_AFTER_FILE: release, PRINT_HALFWAY: '1' },
      timeoutMs: 180_000,
    });
    const runDir = join(dir, 'points_0');
    while (!existsSync(join(runDir, 'spool')) || readdirSync(join(runDir, 'spool')).length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    const running = await crateCommand(runDir);
    writeFileSync(release, '');
    assert.equal((await job).code, 0);
    assertRefused(running, runDir, /still running/);
    assert.equal((await crateCommand(runDir)).code, 0);
    const spool = join(runDir, 'spool', readdirSync(join(runDir, 'spool'))[0]!);
    const later = new Date(statSync(join(runDir, 'prov_collection.json')).mtimeMs + 5000);
    utimesSync(spool, later, later);
    const crateBefore = readFileSync(join(runDir, 'ro-crate-metadata.json'));
    assertRefused(await crateCommand(runDir), runDir, /changed after prov_collection\.json: the run is still running/);
    assert.deepEqual(readFileSync(join(runDir, 'ro-crate-metadata.json')), crateBefore, 'the earlier crate is kept');
  });

  test('a full disk while zipping: one line naming the zip, nothing of the run changed, no partial file', needs('root, to mount a tmpfs', canMountTmpfs()), async () => {
    const runDir = await finishedRun({ POINTS: '20000' });
    const disk = tmpfs('size=4m');
    try {
      const copy = join(disk.dir, basename(runDir));
      cpSync(runDir, copy, { recursive: true, preserveTimestamps: true });
      // Room for the metadata (a few kB), none for the zip of ~1.5 MB of CSV.
      const { bavail, bsize } = statfsSync(disk.dir);
      writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(bavail * bsize - 64 * 1024));
      const before = runFiles(copy).map((path) => [path, sha256(join(copy, path))]);
      const result = await crateCommand(copy, '--zip');
      assertRefused(result, `${copy}.crate.zip`, /ENOSPC/);
      assert.deepEqual(runFiles(copy).map((path) => [path, sha256(join(copy, path))]), before);
      assert.ok(!existsSync(join(copy, 'ro-crate-metadata.json')));
      assert.deepEqual(readdirSync(disk.dir).sort(), [basename(runDir), 'filler'].sort());
      assert.deepEqual(readdirSync(copy).filter((name) => name.endsWith('.partial')), []);
    } finally {
      disk.unmount();
    }
  });
});
