/**
 * Rank documents written while the job runs (EarlyRankDocuments), then finalisation: a node's record
 * comes only from its local rank 0, so a rank of the node that ends before the record arrives has its
 * document written without the node's facts. Finalisation must not reuse that document: every rank's
 * document describes its node in full (CI caught rank 1 of a real srun job without its CPU model).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeEnvelope, encodeFrame, PROTOCOL_VERSION, type EnvelopeRecord, type NodeRecord, type RunStartRecord } from '@prov4ml/prov-core';
import { EarlyRankDocuments } from '../src/finalize/early-documents.js';
import { finalizeJob } from '../src/finalize/finalize.js';
import { JobReplay } from '../src/finalize/job-replay.js';
import { MetricFiles } from '../src/metric-files/metric-files.js';
import { temporaryRunDir } from './support.js';

const JOB = 'job-early';
const NODE: NodeRecord = {
  kind: 'node', time: 1, nodeName: 'n1', hostname: 'n1', cpuModel: 'Test CPU 9000', cpuSockets: 1, cpuCores: 2, cpuThreads: 4, memoryBytes: 8_000_000_000,
  gpus: [], os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0', arch: 'x86_64', interfaces: [],
};
const RUN_CONFIG: EnvelopeRecord = { kind: 'run_config', time: 1, provUserNamespace: 'www.example.org', experimentName: 'exp', collectAllProcesses: true, saveAfterNLogs: 100, csvSeparator: ';' };
const RUN_END: EnvelopeRecord = { kind: 'run_end', time: 9, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: {} };

function runStart(rank: number): RunStartRecord {
  return {
    kind: 'run_start', time: 1, rank, worldSize: 2, localRank: rank, localWorldSize: 2, nodeRank: 0, jobId: '7', stepId: null, launcher: 'local',
    hostname: 'n1', pid: 100 + rank, user: 'u', argv: [], cwd: '/', environment: {}, versions: {}, gitCommit: null, wrapped: false, nodeName: 'n1',
  };
}

function log(dir: string, rank: number, records: EnvelopeRecord[][]): string {
  const path = join(dir, `GR${rank}.log`);
  const frames = records.map((frame, i) =>
    encodeFrame(encodeEnvelope({ v: PROTOCOL_VERSION, job: JOB, rank, worldSize: 2, sender: `s${rank}`, seq: i + 1, sent: 1_000 + i, runDir: dir, records: frame })),
  );
  writeFileSync(path, Buffer.concat(frames));
  return path;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dirname(dir), { recursive: true, force: true });
});

describe('early rank documents', () => {
  it('a rank that ended before its node was described is written again at finalisation, with the node in full', async () => {
    const runDir = temporaryRunDir();
    dirs.push(runDir);
    const replay = new JobReplay(JOB, new MetricFiles(runDir));
    const early = new EarlyRankDocuments({ runDir, jobKey: JOB, worldSize: 2 });
    // Rank 1 ends first; rank 0 (the node's local rank 0) describes the node afterwards.
    const rank1 = log(runDir, 1, [[RUN_CONFIG, runStart(1), RUN_END]]);
    await replay.replayFile(1, rank1);
    await early.offer(replay, 1);
    const nameOnly = JSON.parse(readFileSync(join(runDir, 'prov_exp_GR1.json'), 'utf8'));
    assert.equal(nameOnly.agent.node_n1['prov-ml:cpu_model'], undefined, 'written before the node record arrived');
    const rank0 = log(runDir, 0, [[RUN_CONFIG, runStart(0)], [NODE, RUN_END]]);
    await replay.replayFile(0, rank0);
    await early.offer(replay, 0);
    const sources = new Map([0, 1].map((rank) => [rank, { files: [join(runDir, `GR${rank}.log`)], sender: `s${rank}` }]));
    const result = await finalizeJob({ runDir, jobKey: JOB, worldSize: 2, sources, replay, early });
    assert.equal(result.ranks.length, 2);
    for (const rank of [0, 1]) {
      const document = JSON.parse(readFileSync(join(runDir, `prov_exp_GR${rank}.json`), 'utf8'));
      assert.equal(document.agent.node_n1['prov-ml:cpu_model'], 'Test CPU 9000', `rank ${rank}'s node in full`);
      assert.equal(document.agent.node_n1['prov-ml:cpu_threads'].$, '4', `rank ${rank}`);
    }
  });
});
