import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCommand } from '../../../test/support/run-dir.js';
import type { CommandResult } from '../../../test/support/run-dir.js';

const FIXTURES = new URL('../../prov-core/test/fixtures/', import.meta.url).pathname;

function prov4ml(...args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI, ...args]);
}

/** A user error: non-zero exit, exactly one line on stderr, and no stack trace. */
function assertOneLineError(result: CommandResult, pattern: RegExp): void {
  assert.notEqual(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr.slice(0, 2000));
  assert.ok(!result.stderr.includes('    at '), result.stderr.slice(0, 2000));
  assert.match(lines[0] ?? '', pattern);
}

describe('prov4ml prov2dot and dot2svg on the original files', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'prov4ml-graph-'));
    copyFileSync(join(FIXTURES, 'g1_provgraph_experiment_name.json'), join(directory, 'g1.json'));
    copyFileSync(join(FIXTURES, 'g3_prov_mnist_exp_GR0_0.json'), join(directory, 'g3.json'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('prov2dot --prov_json F --output O writes O.dot, appending the extension as the original did', async () => {
    const result = await prov4ml('prov2dot', '--prov_json', join(directory, 'g1.json'), '--output', join(directory, 'graph'));
    assert.equal(result.code, 0, result.stderr);
    const dot = readFileSync(join(directory, 'graph.dot'), 'utf8');
    assert.equal(dot.split('\n').filter((line) => /^n\d+ \[/.test(line)).length, 47);
  });

  it('prov2dot --prov-json F without .json and without --output writes F.dot next to it', async () => {
    const result = await prov4ml('prov2dot', '--prov-json', join(directory, 'g3'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(join(directory, 'g3.dot'), 'utf8'), /^digraph G \{/);
  });

  it('dot2svg --dot F --output O renders O.svg without a Graphviz install', async () => {
    const made = await prov4ml('prov2dot', '--prov_json', join(directory, 'g1.json'), '--output', join(directory, 'for-svg.dot'));
    assert.equal(made.code, 0, made.stderr);
    const result = await prov4ml('dot2svg', '--dot', join(directory, 'for-svg'), '--output', join(directory, 'picture'));
    assert.equal(result.code, 0, result.stderr);
    const svg = readFileSync(join(directory, 'picture.svg'), 'utf8');
    assert.match(svg, /<svg[\s>]/);
    assert.equal((svg.match(/class="node"/g) ?? []).length, 47 + 6 + 44);
  });

  it('an unknown flag is an error that names the flag', async () => {
    assertOneLineError(await prov4ml('prov2dot', '--prov_json', join(directory, 'g1.json'), '--colour', 'red'), /colour/);
  });

  it('a missing input names the flag and the path', async () => {
    assertOneLineError(await prov4ml('dot2svg', '--dot', join(directory, 'absent.dot')), /--dot .*absent\.dot: no such file or directory/);
    assert.equal(existsSync(join(directory, 'absent.svg')), false);
  });
});

describe('prov4ml validate', () => {
  let directory: string;
  const bad: Record<string, string> = {};
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'prov4ml-validate-'));
    const write = (name: string, content: string | Buffer): void => {
      bad[name] = join(directory, name);
      writeFileSync(bad[name], content);
    };
    write('truncated.json', '{"prefix":{"default":"urn:x:"},"entity":{"e":{"k":"v"');
    write('no-arguments.json', '{"prefix":{"default":"urn:x:"},"wasGeneratedBy":{"g1":{}}}');
    write('huge-value.json', `{"prefix":{"default":"urn:x:"},"entity":{"e":{"k":"${'x'.repeat(50 * 1024 * 1024)}"}}}`);
    write('not-utf8.json', Buffer.concat([Buffer.from('{"prefix":{"default":"urn:x:"},"entity":{"e'), Buffer.from([0xff, 0xfe]), Buffer.from('":{}}}')]));
    write('array.json', '[{"entity":{}}]');
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it("accepts the original's G1 and G3 files (warnings only) and exits 0", async () => {
    const result = await prov4ml('validate', join(FIXTURES, 'g1_provgraph_experiment_name.json'), join(FIXTURES, 'g3_prov_mnist_exp_GR0_0.json'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /g1_provgraph_experiment_name\.json: valid \(7 warnings\)\n.*g3_prov_mnist_exp_GR0_0\.json: valid \(4 warnings\)\n/);
    assert.ok(!/: error: /.test(result.stderr));
  });

  for (const [name, pattern] of [
    ['truncated.json', /truncated\.json: error: not valid JSON: /],
    ['no-arguments.json', /no-arguments\.json: error: g1: wasGeneratedBy is missing its required argument prov:entity$/],
    ['huge-value.json', /huge-value\.json: error: e: attribute k: value is 52428800 characters long, over the limit of 33554432$/],
    ['not-utf8.json', /not-utf8\.json: error: not valid UTF-8 text \(first bad byte at offset 43\)$/],
    ['array.json', /array\.json: error: expected a JSON object at the top level, got an array$/],
  ] as const) {
    it(`gives one clear error line and exit 1 for ${name}`, async () => {
      const result = await prov4ml('validate', bad[name] as string);
      assertOneLineError(result, pattern);
      assert.equal(result.code, 1);
    });
  }

  it('prov2dot on a broken file fails the same way', async () => {
    assertOneLineError(await prov4ml('prov2dot', '--prov_json', bad['no-arguments.json'] as string, '--output', join(directory, 'out')), /no-arguments\.json: g1: wasGeneratedBy is missing its required argument prov:entity$/);
  });

  it('every graph command has --help', async () => {
    for (const command of ['validate', 'prov2dot', 'dot2svg']) {
      const result = await prov4ml(command, '--help');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`prov4ml ${command}`));
    }
  });
});
