import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_IPC_PATH_BYTES, ZmqEndpoint } from '@prov4ml/prov-core';
import { nodeRelayFor } from '../src/relay/node-relay.js';
import { relayEndpoint } from '../src/relay/relay-endpoint.js';
import type { JobInfo } from '../src/rank/job-info.js';

const JOB: JobInfo = {
  rank: 2, worldSize: 4, localRank: 0, localWorldSize: 2, nodeRank: 1, launcher: 'slurm',
  jobId: '42', stepId: '0', hosts: ['node01', 'node02'], jobKey: 'slurm-42.0', masterAddr: null,
};

test('the relay endpoint follows from job key and node: the same on every rank of a node, another on each node and job', () => {
  const endpoint = relayEndpoint('slurm-42.0', 1, '/tmp');
  assert.match(endpoint, /^ipc:\/\/\/tmp\/prov4ml-relay-[0-9a-f]{20}$/);
  assert.equal(relayEndpoint('slurm-42.0', 1, '/tmp'), endpoint);
  assert.notEqual(relayEndpoint('slurm-42.0', 0, '/tmp'), endpoint);
  assert.notEqual(relayEndpoint('slurm-43.0', 1, '/tmp'), endpoint);
  // A temporary directory too deep for a Unix socket's path: /tmp instead, within the limit with its .ack.
  const deep = relayEndpoint('slurm-42.0', 1, `/scratch/${'d'.repeat(120)}`);
  assert.equal(deep, endpoint);
  assert.ok(Buffer.byteLength(ZmqEndpoint.parse(deep)!.ackEndpoint().toString()) <= MAX_IPC_PATH_BYTES + 'ipc://.ack'.length);
});

test('a rank relays by default only when its job spans several nodes; the flag forces it either way', () => {
  const log = (): void => undefined;
  assert.equal(nodeRelayFor(JOB, undefined, log), null, 'no setting (in-process API, prov4ml agent): never');
  assert.equal(nodeRelayFor(JOB, false, log), null, '--no-relay');
  assert.equal(nodeRelayFor({ ...JOB, localWorldSize: 4, rank: 0, nodeRank: 0, hosts: ['node01'] }, null, log), null, 'one node');
  const relayed = nodeRelayFor(JOB, null, log);
  assert.equal(relayed?.endpoint, relayEndpoint('slurm-42.0', 1));
  assert.notEqual(nodeRelayFor({ ...JOB, localWorldSize: 4 }, true, log), null, 'PROV4ML_RELAY=1 on one node');
  // A rank other than local rank 0 starts nothing: it is routed to the relay with the aggregator behind it.
  const aggregator = { endpoint: 'tcp://node01:20000', ackEndpoint: 'tcp://node01:20001', curveServerKey: 'k'.repeat(40) };
  const target = nodeRelayFor({ ...JOB, localRank: 1, rank: 3 }, null, log)!.route(aggregator);
  assert.deepEqual(target, { endpoint: relayed!.endpoint, ackEndpoint: `${relayed!.endpoint}.ack`, curveServerKey: null, fallback: aggregator });
});
