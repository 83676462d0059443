// The node record: its wire validation, and the prov-ml:Node agent it becomes in rank documents and,
// once per node, in the collection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCollection, buildRankDocument, jobNodes, PROTOCOL_VERSION, toProvJson, validateEnvelope, validateProvJson,
  type NodeRecord, type RankSummary, type RunStartRecord,
} from '@prov4ml/prov-core';

const NODE: NodeRecord = {
  kind: 'node', time: 1_700_000_000_000, nodeName: 'node01', hostname: 'vm', cpuModel: 'AMD EPYC 7763 64-Core Processor',
  cpuSockets: 2, cpuCores: 128, cpuThreads: 256, memoryBytes: 540_000_000_000,
  gpus: [{ index: 0, model: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-5a6d1c2e-0000-4000-8000-000000000000', memoryMiB: 81559, driver: '590.48.01' }],
  os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64', arch: 'x86_64',
  interfaces: [{ name: 'lo', addresses: ['127.0.0.1', '::1'], mac: null, speedMbps: null }, { name: 'ib0', addresses: ['10.0.0.1'], mac: '02:00:00:00:00:01', speedMbps: 200000 }],
};

function envelopeOf(record: unknown) {
  return { v: PROTOCOL_VERSION, job: 'slurm-c-1.0', rank: 0, worldSize: 4, sender: 's0', seq: 1, sent: 1, runDir: '/tmp/r/exp_0', records: [record] };
}

test('a node record passes validation unchanged; unknown keys are dropped; bad fields are refused by name', () => {
  const check = validateEnvelope(envelopeOf({ ...NODE, extra: 'dropped' }));
  assert.ok(check.ok);
  assert.deepEqual(check.envelope.records[0], NODE);
  const bad: [unknown, RegExp][] = [
    [{ ...NODE, cpuSockets: -1 }, /records\[0\]\.cpuSockets/],
    [{ ...NODE, nodeName: '' }, /records\[0\]\.nodeName/],
    [{ ...NODE, gpus: {} }, /records\[0\]\.gpus is not an array/],
    [{ ...NODE, gpus: [{ ...NODE.gpus[0], memoryMiB: 1.5 }] }, /records\[0\]\.gpus\[0\]\.memoryMiB/],
    [{ ...NODE, interfaces: [{ ...NODE.interfaces[1], addresses: 'x' }] }, /records\[0\]\.interfaces\[0\]\.addresses/],
  ];
  for (const [record, detail] of bad) {
    const refused = validateEnvelope(envelopeOf(record));
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.match(refused.detail, detail);
  }
});

const job = { jobKey: 'slurm-c-1.0', worldSize: 4, experimentName: 'exp', runName: 'exp_0', provUserNamespace: 'www.example.org' };

function rank(rankNumber: number, nodeName: string, node: NodeRecord | null): RankSummary {
  const runStart: RunStartRecord = {
    kind: 'run_start', time: 1, rank: rankNumber, worldSize: 4, localRank: rankNumber % 2, localWorldSize: 2, nodeRank: rankNumber >> 1,
    jobId: '1', stepId: '0', launcher: 'slurm', hostname: 'vm', pid: 1, user: 'u', argv: ['x'], cwd: '/', environment: {}, versions: {},
    gitCommit: null, wrapped: true, nodeName,
  };
  return {
    job, rank: rankNumber, sender: 's', runStart, runConfig: null, runEnd: null, params: [], series: [], artifacts: [], datasets: [],
    finalMetrics: [], carbonAttribution: null, node, contexts: [], sourceCode: [], firstSeenMs: 1, lastSeenMs: 2, missingFrames: 0,
    finished: true, omittedEntries: 0,
  };
}

type Json = Record<string, Record<string, Record<string, unknown>>>;

test('two nodes × two ranks: each rank\'s run is associated with its node, described in full; the collection holds each node once', () => {
  const node02 = { ...NODE, nodeName: 'node02' };
  // Only local rank 0 of each node sent the node record.
  const { nodes, summaries } = jobNodes([rank(0, 'node01', NODE), rank(1, 'node01', null), rank(2, 'node02', node02), rank(3, 'node02', null)]);
  assert.deepEqual(nodes.map(({ node, ranks }) => [node.nodeName, ranks]), [['node01', [0, 1]], ['node02', [2, 3]]]);
  const rank1 = JSON.parse(toProvJson(buildRankDocument(summaries[1]!))) as Json;
  const agent = rank1.agent!.node_node01!;
  assert.deepEqual(agent['prov:type'], { $: 'prov-ml:Node', type: 'prov:QUALIFIED_NAME' });
  assert.equal(agent['prov-ml:cpu_model'], NODE.cpuModel);
  assert.deepEqual(agent['prov-ml:cpu_threads'], { $: '256', type: 'xsd:int' });
  assert.deepEqual(agent['prov-ml:memory_total_bytes'], { $: '540000000000', type: 'xsd:long' });
  assert.equal(agent['prov-ml:gpu0_uuid'], NODE.gpus[0]!.uuid);
  assert.equal(agent['prov-ml:gpu0_driver'], '590.48.01');
  assert.equal(agent['prov-ml:net_ib0_addresses'], '10.0.0.1');
  assert.deepEqual(agent['prov-ml:net_ib0_speed_mbps'], { $: '200000', type: 'xsd:long' });
  const associations = Object.values(rank1.wasAssociatedWith!).map((relation) => relation['prov:agent']);
  assert.deepEqual(associations.sort(), ['node_node01', 'user_u']);
  const collectionText = toProvJson(buildCollection({ job, members: [], startMs: null, endMs: null, nodes }));
  assert.deepEqual(validateProvJson(collectionText).errors, []);
  const collection = JSON.parse(collectionText) as Json;
  assert.deepEqual(Object.keys(collection.agent!).sort(), ['node_node01', 'node_node02']);
  const links = Object.values(collection.wasAssociatedWith!).map((relation) => [relation['prov:activity'], relation['prov:agent']]);
  assert.deepEqual(links, [['exp_0_GR0.execution', 'node_node01'], ['exp_0_GR1.execution', 'node_node01'], ['exp_0_GR2.execution', 'node_node02'], ['exp_0_GR3.execution', 'node_node02']]);
  assert.deepEqual(validateProvJson(toProvJson(buildRankDocument(summaries[3]!))).errors, []);
});

test('a rank whose node sent no record names the node without facts', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(rank(1, 'node09', null)))) as Json;
  assert.deepEqual(Object.keys(json.agent!.node_node09!).sort(), ['prov-ml:node_name', 'prov-ml:type', 'prov:label', 'prov:type']);
});
