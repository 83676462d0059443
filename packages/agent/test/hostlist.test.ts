import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isUserError } from '@prov4ml/prov-core';
import { assertUserError } from './support/user-error.js';
import { commandWorks, needs } from '../../../test/support/components.js';
import { expandHostlist, expandSlurmCounts, MAX_HOSTLIST_HOSTS, MAX_HOSTS_PER_RANGE } from '../src/rank/hostlist.js';

interface ExpandVector {
  input: string;
  hosts?: string[];
  error?: true;
}

function vectors(file: string): ExpandVector[] {
  const url = new URL(`fixtures/hostlist/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { expand: ExpandVector[] }).expand;
}


for (const file of ['slurm-22.05-vectors.json', 'extra-vectors.json']) {
  const all = vectors(file);
  test(`${file}: every vector expands as scontrol show hostnames does`, () => {
    assert.ok(all.length >= 39, `${file} has ${all.length} vectors`);
    for (const vector of all) {
      if (vector.error) {
        assertUserError(() => expandHostlist(vector.input, 'SLURM_STEP_NODELIST'), 'SLURM_STEP_NODELIST', JSON.stringify(vector.input));
      } else {
        assert.deepEqual(expandHostlist(vector.input), vector.hosts, `input ${JSON.stringify(vector.input)}`);
      }
    }
  });
}

test('several bracket groups follow Slurm order: last group fastest, then the first, second, …', () => {
  assert.deepEqual(expandHostlist('a[1-2]b[3-4]c[5-6]'), [
    'a1b3c5', 'a1b3c6', 'a2b3c5', 'a2b3c6', 'a1b4c5', 'a1b4c6', 'a2b4c5', 'a2b4c6',
  ]);
});

test('Slurm-generated node lists of real jobs', () => {
  const cases: [string, string[]][] = [
    ['vm', ['vm']],
    ['node[01-02]', ['node01', 'node02']],
    ['gpu[001-004,010],login2', ['gpu001', 'gpu002', 'gpu003', 'gpu004', 'gpu010', 'login2']],
    ['nid[001000-001002]', ['nid001000', 'nid001001', 'nid001002']],
  ];
  for (const [input, hosts] of cases) assert.deepEqual(expandHostlist(input), hosts, input);
});

test('deliberate differences from Slurm: inputs Slurm turns into impossible host names are errors', () => {
  // Slurm 22.05 gives: node], node1], a]b1, a[1b3, n[1-2]x], ], (nothing), one host "n1\nn2", n18446744073709551615.
  const cases: [string, string][] = [
    ['node[1-3', "unclosed '['"],
    ['node1]', "']' without '['"],
    ['a]b[1]', "']' without '['"],
    ['a[1b[3]', "'[' inside brackets"],
    ['n[1-2]x[3', "unclosed '['"],
    [']', "']' without '['"],
    ['[', "unclosed '['"],
    ['n1\nn2', 'control character'],
    ['n[99999999999999999999]', 'too large'],
  ];
  for (const [input, reason] of cases) assertUserError(() => expandHostlist(input, 'SLURM_JOB_NODELIST'), 'SLURM_JOB_NODELIST', reason);
});

test('one range may hold exactly MAX_HOSTS_PER_RANGE hosts, with widths kept', () => {
  const hosts = expandHostlist(`n[00001-${MAX_HOSTS_PER_RANGE}]`);
  assert.equal(hosts.length, MAX_HOSTS_PER_RANGE);
  assert.equal(hosts[0], 'n00001');
  assert.equal(hosts.at(-1), `n${MAX_HOSTS_PER_RANGE}`);
  assertUserError(() => expandHostlist(`n[0-${MAX_HOSTS_PER_RANGE}]`), 'more than 65536 hosts');
});

test('a product of groups beyond MAX_HOSTLIST_HOSTS is refused before anything is built', () => {
  assertUserError(() => expandHostlist('a[1-1025]b[1-1024]'), `more than ${MAX_HOSTLIST_HOSTS} hosts`);
});

test('errors are UserErrors that name the origin and say why', () => {
  assertUserError(() => expandHostlist('n[10-8]', 'SLURM_STEP_NODELIST'), 'SLURM_STEP_NODELIST', '"n[10-8]"', 'descending');
  assertUserError(() => expandHostlist('node[1-2]-ib'), 'hostlist', 'after the last');
  assertUserError(() => expandHostlist(',', 'SLURM_NODELIST'), 'SLURM_NODELIST', 'names no host');
});

test('Slurm count lists expand with their repetitions', () => {
  const cases: [string, number[]][] = [
    ['4', [4]],
    ['2(x2)', [2, 2]],
    ['3,1', [3, 1]],
    ['2(x3),1', [2, 2, 2, 1]],
    ['16(x2),8,4(x1)', [16, 16, 8, 4]],
  ];
  for (const [input, counts] of cases) assert.deepEqual(expandSlurmCounts(input, 'SLURM_TASKS_PER_NODE'), counts, input);
  for (const bad of ['', '2(x0)', 'x2', '2(2)', '-1', '2(x2']) {
    assertUserError(() => expandSlurmCounts(bad, 'SLURM_STEP_TASKS_PER_NODE'), 'SLURM_STEP_TASKS_PER_NODE');
  }
});

/** A small seeded generator (mulberry32), so a failure names an input that can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Random hostlists with balanced brackets (the inputs where we promise Slurm's exact behaviour). */
function randomHostlist(random: () => number): string {
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)] as T;
  const number = () => pick(['', '', '0', '00', ' ', '+']) + String(Math.floor(random() * 120));
  const span = () => {
    const low = number();
    return `${low}-${pick(['', '', '0', '+'])}${Number(low) + Math.floor(random() * 12)}`;
  };
  const junk = ['', '-', '1-', 'x1', '1/2', '1a-3', '3-1', '1--2', '1-2a', '1 -2', '2- 3'];
  const range = () => (random() < 0.1 ? pick(junk) : random() < 0.3 ? number() : span());
  const group = () => `[${Array.from({ length: 1 + Math.floor(random() * 3) }, range).join(',')}]`;
  const text = () => Array.from({ length: Math.floor(random() * 3) }, () => pick(['n', 'a', 'x', '-', '.', '_', '0', '7'])).join('');
  const item = () => {
    const groups = Math.floor(random() * 4);
    let result = text();
    for (let n = 0; n < groups; n++) result += group() + (n < groups - 1 ? text() : '');
    // Text after the last group is an error in Slurm; keep it rare so that most lists are valid.
    return random() < 0.1 ? result + text() : result;
  };
  return Array.from({ length: 1 + Math.floor(random() * 3) }, item).join(pick([',', ' ', ',,', '\t']));
}

test('random balanced hostlists expand exactly as the real scontrol does', needs('Slurm scontrol', commandWorks('scontrol', ['-V'])), () => {
  const conf = join(mkdtempSync(join(tmpdir(), 'prov4ml-hostlist-')), 'slurm.conf');
  writeFileSync(conf, 'ClusterName=x\nSlurmctldHost=localhost\n');
  const random = seededRandom(20_250_522);
  let errors = 0;
  const inputs = 400;
  for (let n = 0; n < inputs; n++) {
    const input = randomHostlist(random);
    const output = spawnSync('scontrol', ['show', 'hostnames', '--', input], { env: { ...process.env, SLURM_CONF: conf }, encoding: 'utf8' });
    const expected = output.stdout.split('\n').filter((line) => line !== '');
    if (expected.length === 0) {
      errors++;
      assert.throws(() => expandHostlist(input), isUserError, `scontrol rejects ${JSON.stringify(input)}`);
    } else {
      assert.deepEqual(expandHostlist(input), expected, `input ${JSON.stringify(input)}`);
    }
  }
  // Both outcomes are exercised, so neither branch can pass vacuously.
  assert.ok(errors > 40 && errors < inputs - 40, `${errors} of ${inputs} inputs were errors`);
});
