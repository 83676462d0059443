import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame } from '@prov4ml/prov-core';
import { freePortPair } from '../../../test/support/ports.js';
import { CLI, runCommand, type CommandResult } from '../../../test/support/run-dir.js';
import { encodeAll, expectedCsv, pushAll, rankEnvelopes, temporaryRunDir } from '../../aggregator/test/support.js';

const ORIGINAL_G1_FIXTURE = new URL('../../prov-core/test/fixtures/g1_provgraph_experiment_name.json', import.meta.url).pathname;

function prov4ml(...args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI, ...args]);
}

function assertOneLineError(result: CommandResult, pattern: RegExp): void {
  assert.notEqual(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, pattern);
}

function jobFrames(runDir: string, worldSize: number): Buffer[][] {
  return Array.from({ length: worldSize }, (_, rank) => encodeAll(rankEnvelopes('cli-job', worldSize, runDir, { rank, sender: `cli${rank}`, pointsPerFrame: 200, frames: 2 })));
}

describe('prov4ml aggregate, merge and collection', () => {
  it('aggregate prints its endpoint, takes a 2-rank job and exits 0 once the files are written', async () => {
    const runDir = temporaryRunDir();
    const child = spawn(process.execPath, [CLI, 'aggregate', '--bind', 'tcp://127.0.0.1:0', '--world-size', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const endpoint = line.toString().trim();
    assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    await pushAll(endpoint, jobFrames(runDir, 2).flat());
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /wrote 7 files/);
    assert.equal(readFileSync(join(runDir, 'metrics/loss_TRAINING_GR1.csv'), 'utf8'), expectedCsv(1, 0, 400));
  });

  it('aggregate warns about an explicit port in the ephemeral range, and still serves it', async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const child = spawn(process.execPath, [CLI, 'aggregate', '--bind', `tcp://127.0.0.1:${await freePortPair({ from: low! + 1000, to: low! + 3000 })}`, '--world-size', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.match(line.toString(), /^tcp:\/\/127\.0\.0\.1:\d+/);
    child.kill('SIGTERM');
    await once(child, 'exit');
    assert.match(stderr, /prov4ml aggregate: warning: port \d+ \(acks \d+\) is in this host's ephemeral port range/);
  });

  it('aggregate without --bind or PROV4ML_BIND is a one-line error', async () => {
    const env = { ...process.env };
    delete env.PROV4ML_BIND;
    const result = await runCommand(process.execPath, [CLI, 'aggregate'], { env });
    assertOneLineError(result, /--bind/);
  });

  it('merge <run dir> rebuilds the files from the spools alone', async () => {
    const runDir = temporaryRunDir();
    mkdirSync(join(runDir, 'spool'), { recursive: true });
    jobFrames(runDir, 2).forEach((frames, rank) => writeFileSync(join(runDir, `spool/GR${rank}-cli${rank}.spool`), Buffer.concat(frames.map((frame) => encodeFrame(frame)))));
    const result = await prov4ml('merge', runDir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /7 files for 2 ranks of job cli-job/);
    assert.equal(readFileSync(join(runDir, 'metrics/acc_VALIDATION_GR0.csv'), 'utf8'), expectedCsv(0, 1, 400));
    const collection = await prov4ml('collection', '--experiment_path', runDir, '--output_dir', join(runDir, 'again'));
    assert.equal(collection.code, 0, collection.stderr);
    const written = readFileSync(join(runDir, 'again/prov_collection.json'), 'utf8');
    assert.match(written, /"prov-ml:path":"\.\.\/prov_exp_GR1\.json"/);
    assert.match(written, /"prov-ml:job_id":"cli-job"/);
  });

  it('merge of a directory that is not there, or has nothing to merge, is a one-line error naming it', async () => {
    assertOneLineError(await prov4ml('merge', '/nonexistent/run_0'), /\/nonexistent\/run_0/);
    const empty = mkdtempSync(join(tmpdir(), 'prov4ml-empty-'));
    assertOneLineError(await prov4ml('merge', empty), new RegExp(`${empty}.*no spool`));
    rmSync(empty, { recursive: true });
  });

  it('collection lists the original G1 file it finds (kebab-case flags)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'prov4ml-g1-'));
    writeFileSync(join(directory, 'provgraph_experiment_name.json'), readFileSync(ORIGINAL_G1_FIXTURE));
    const result = await prov4ml('collection', '--experiment-path', directory, '--output-dir', join(directory, 'out'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /1 documents \(not written by prov4ml: listed only\)/);
    const written = readFileSync(join(directory, 'out/prov_collection.json'), 'utf8');
    assert.match(written, /"prov-ml:path":"\.\.\/provgraph_experiment_name\.json"/);
    assert.match(written, /"prov:type":\{"\$":"prov:Collection"/);
    const noDocuments = mkdtempSync(join(tmpdir(), 'prov4ml-none-'));
    writeFileSync(join(noDocuments, 'notes.json'), '{}');
    assertOneLineError(await prov4ml('collection', '--experiment_path', noDocuments), /no PROV documents/);
    rmSync(directory, { recursive: true });
    rmSync(noDocuments, { recursive: true });
  });
});
