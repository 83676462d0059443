import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackEndpoint } from '@prov4ml/prov-core';
import { assertUserError } from './support/user-error.js';
import type { JobInfo } from '../src/rank/detect.js';
import {
  checkZmqEndpoint,
  DERIVED_PORT_BASE,
  DERIVED_PORT_SLOTS,
  derivePort,
  ephemeralPortRisk,
  resolveAggregatorEndpoint,
  type AggregatorOptions,
  type AggregatorPlacement,
} from '../src/rank/endpoint.js';

const SINGLE: JobInfo = {
  rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, nodeRank: 0, jobId: 'single-vm-1', stepId: null,
  hosts: ['vm'], launcher: 'single', jobKey: 'single-vm-1', masterAddr: null,
};
const SRUN_ONE_NODE: JobInfo = {
  rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '3', stepId: '0', hosts: ['vm'],
  launcher: 'pmix', jobKey: 'slurm-3.0', masterAddr: null,
};
const SRUN_TWO_NODES: JobInfo = {
  rank: 2, worldSize: 4, localRank: 0, localWorldSize: 2, nodeRank: 1, jobId: '5', stepId: '0',
  hosts: ['node01', 'node02'], launcher: 'pmix', jobKey: 'slurm-5.0', masterAddr: null,
};
const TORCHRUN_TWO_NODES: JobInfo = {
  rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2, nodeRank: 1, jobId: '9', stepId: '0',
  hosts: ['node02', 'node01'], launcher: 'torchrun', jobKey: 'slurm-9.0', masterAddr: 'node01',
};
const TORCHRUN_STANDALONE: JobInfo = {
  rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, nodeRank: 0, jobId: 'e201ff1b', stepId: null, hosts: ['vm'],
  launcher: 'torchrun', jobKey: 'torchrun-e201ff1b', masterAddr: 'localhost',
};
const MPIRUN_HOSTFILE_RANK0: JobInfo = {
  rank: 0, worldSize: 4, localRank: 0, localWorldSize: 2, nodeRank: 0, jobId: '1129775105', stepId: null, hosts: [],
  launcher: 'openmpi', jobKey: 'ompi-1129775105', masterAddr: null,
};
const MPIRUN_HOSTFILE_RANK3: JobInfo = { ...MPIRUN_HOSTFILE_RANK0, rank: 3, localRank: 1, nodeRank: 1 };

const OPTIONS: AggregatorOptions = { hostname: 'vm' };

const CASES: { name: string; job: JobInfo; options?: Partial<AggregatorOptions>; expected: AggregatorPlacement }[] = [
  {
    name: 'a single process: loopback, ephemeral port',
    job: SINGLE,
    expected: { kind: 'hosted', hostRank: 0, bind: '127.0.0.1', port: 0, advertise: '127.0.0.1', endpoint: null },
  },
  {
    name: 'srun on one node: loopback, port derived from job 3 step 0',
    job: SRUN_ONE_NODE,
    expected: { kind: 'hosted', hostRank: 0, bind: '127.0.0.1', port: 20_384, advertise: '127.0.0.1', endpoint: 'tcp://127.0.0.1:20384' },
  },
  {
    name: 'srun on two nodes: all interfaces, reached at the first node of the list',
    job: SRUN_TWO_NODES,
    expected: { kind: 'hosted', hostRank: 0, bind: '0.0.0.0', port: 20_640, advertise: 'node01', endpoint: 'tcp://node01:20640' },
  },
  {
    name: 'torchrun on two nodes: reached at MASTER_ADDR',
    job: TORCHRUN_TWO_NODES,
    expected: { kind: 'hosted', hostRank: 0, bind: '0.0.0.0', port: 21_152, advertise: 'node01', endpoint: 'tcp://node01:21152' },
  },
  {
    name: 'torchrun --standalone: loopback, ephemeral port (no Slurm job id)',
    job: TORCHRUN_STANDALONE,
    expected: { kind: 'hosted', hostRank: 0, bind: '127.0.0.1', port: 0, advertise: '127.0.0.1', endpoint: null },
  },
  {
    name: 'mpirun over two hosts without Slurm, rank 0: publishes its own host name',
    job: MPIRUN_HOSTFILE_RANK0,
    expected: { kind: 'hosted', hostRank: 0, bind: '0.0.0.0', port: 0, advertise: 'vm', endpoint: null },
  },
  {
    name: 'mpirun over two hosts without Slurm, rank 3: cannot know rank 0’s host, reads the endpoint file',
    job: MPIRUN_HOSTFILE_RANK3,
    options: { hostname: 'other' },
    expected: { kind: 'hosted', hostRank: 0, bind: '0.0.0.0', port: 0, advertise: null, endpoint: null },
  },
  {
    name: 'PROV4ML_PORT beats the derived port',
    job: SRUN_TWO_NODES,
    options: { port: 24_000 },
    expected: { kind: 'hosted', hostRank: 0, bind: '0.0.0.0', port: 24_000, advertise: 'node01', endpoint: 'tcp://node01:24000' },
  },
  {
    name: 'PROV4ML_PORT=0 asks for an ephemeral port even under Slurm',
    job: SRUN_ONE_NODE,
    options: { port: 0 },
    expected: { kind: 'hosted', hostRank: 0, bind: '127.0.0.1', port: 0, advertise: '127.0.0.1', endpoint: null },
  },
  {
    name: 'PROV4ML_AGGREGATOR names a running aggregator: nobody hosts one',
    job: SRUN_TWO_NODES,
    options: { aggregator: 'tcp://login1:25000', port: 24_000 },
    expected: { kind: 'remote', endpoint: 'tcp://login1:25000' },
  },
  {
    name: 'an ipc:// aggregator',
    job: SINGLE,
    options: { aggregator: 'ipc:///tmp/prov4ml.sock' },
    expected: { kind: 'remote', endpoint: 'ipc:///tmp/prov4ml.sock' },
  },
];

for (const { name, job, options, expected } of CASES) {
  test(`resolveAggregatorEndpoint: ${name}`, () => {
    assert.deepEqual(resolveAggregatorEndpoint(job, { ...OPTIONS, ...options }), expected);
  });
}

test('a PROV4ML_AGGREGATOR that is not a ZeroMQ endpoint is a UserError naming it', () => {
  const bad = ['node01:5555', 'tcp://node01', 'tcp://node01:0', 'tcp://node01:65535', 'tcp://*:5555', 'udp://node01:5555',
    'ipc://', `ipc:///${'a'.repeat(107)}`, `ipc:///${'a'.repeat(103)}`, 'tcp://no de:5555', 'tcp://-node:5555', 'tcp://[::1:5555'];
  for (const aggregator of bad) {
    assertUserError(() => resolveAggregatorEndpoint(SINGLE, { ...OPTIONS, aggregator }), 'PROV4ML_AGGREGATOR', JSON.stringify(aggregator));
  }
});

test('endpoints ranks can connect to', () => {
  const good = ['tcp://node01:5555', 'tcp://10.1.2.3:1', 'tcp://[::1]:65534', 'tcp://gpu-01.cluster.example.org:24000',
    // The longest ipc path leaves room for the ack socket's `.ack` beside it in a Unix socket address (107 bytes).
    'tcp://node_7:5555', 'ipc:///tmp/x.sock', `ipc:///${'a'.repeat(102)}`];
  for (const endpoint of good) assert.equal(checkZmqEndpoint(endpoint), endpoint, endpoint);
});

test('the derived port: the documented formula, even, inside its range, distinct per step', () => {
  assert.equal(derivePort('3', '0'), 20_000 + 2 * ((3 * 64 + 0) % 6000));
  assert.equal(derivePort('123456', '2'), 20_000 + 2 * ((123_456 * 64 + 2) % 6000));
  assert.equal(derivePort('99999999999999999999', '1'), 20_000 + 2 * Number((99_999_999_999_999_999_999n * 64n + 1n) % 6000n));
  for (let job = 1; job <= 2_000; job += 7) {
    const ports = new Set<number>();
    for (let step = 0; step < 64; step++) {
      const port = derivePort(String(job), String(step));
      assert.ok(port !== null && port % 2 === 0 && port >= DERIVED_PORT_BASE && port + 1 < DERIVED_PORT_BASE + 2 * DERIVED_PORT_SLOTS);
      ports.add(port);
    }
    assert.equal(ports.size, 64, `job ${job}`);
  }
  // The documented collision: job ids 375 apart, same step.
  assert.equal(derivePort('1', '0'), derivePort('376', '0'));
  assert.notEqual(derivePort('1', '0'), derivePort('2', '0'));
  for (const [jobId, stepId] of [['local-1', '0'], ['3', null], ['3', 'batch']] as const) assert.equal(derivePort(jobId, stepId), null);
});

test('isLoopbackEndpoint', () => {
  const cases: [string, boolean][] = [
    ['tcp://127.0.0.1:5555', true], ['tcp://127.1.2.3:5555', true], ['tcp://localhost:5555', true], ['tcp://[::1]:5555', true],
    ['tcp://127.0.0.1:*', true], ['ipc:///tmp/a.sock', true], ['inproc://agg', true],
    ['tcp://0.0.0.0:5555', false], ['tcp://node01:5555', false], ['tcp://10.0.0.1:5555', false], ['tcp://127.0.0.1.evil.org:5555', false],
    ['tcp://[::]:5555', false], ['garbage', false],
  ];
  for (const [endpoint, loopback] of cases) assert.equal(isLoopbackEndpoint(endpoint), loopback, endpoint);
});

test('an explicit port whose pair touches the ephemeral range is a risk worth a warning; derived and any-free ports are not', () => {
  const linux: [number, number] = [32768, 60999];
  assert.match(ephemeralPortRisk('tcp://0.0.0.0:45000', linux)!, /port 45000 \(acks 45001\) is in this host's ephemeral port range 32768-60999.*below 32768/);
  assert.match(ephemeralPortRisk('tcp://10.0.0.1:32767', linux)!, /port 32767 \(acks 32768\)/);
  assert.match(ephemeralPortRisk('tcp://[::1]:60999', linux)!, /port 60999/);
  assert.equal(ephemeralPortRisk('tcp://0.0.0.0:32766', linux), null);
  assert.equal(ephemeralPortRisk('tcp://0.0.0.0:61000', linux), null);
  assert.equal(ephemeralPortRisk('tcp://0.0.0.0:0', linux), null);
  assert.equal(ephemeralPortRisk('ipc:///tmp/agg', linux), null);
  for (let step = 0; step < 64; step++) assert.equal(ephemeralPortRisk(`tcp://node01:${derivePort('123456', String(step))}`, linux), null);
});
