// Node facts against what the kernel says on this host (/proc/cpuinfo, /proc/meminfo, uname), and the
// GPU facts' parser on real nvidia-smi captures (this machine has no GPU).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseNvidiaSmiNodeGpus, NVIDIA_SMI_NODE_FIELDS } from '../../src/metrics/node/gpu-facts.js';
import { collectNodeFacts } from '../../src/metrics/node/node-facts.js';
import { hostFacts } from '../../../../test/support/host-facts.js';

const fixtures = fileURLToPath(new URL('../fixtures/nvidia-smi/', import.meta.url));

test('node facts equal /proc/cpuinfo, /proc/meminfo and uname on this host; GPUs from nvidia-smi', async () => {
  const logged: string[] = [];
  const node = await collectNodeFacts({ nodeName: 'node01', hostname: hostname(), nvidiaSmiCommand: join(fixtures, 'fake-bin/nvidia-smi'), log: (line) => logged.push(line) });
  assert.deepEqual(logged, []);
  const host = hostFacts();
  const { cpuModel, cpuThreads, cpuSockets, cpuCores, memoryBytes, kernel, arch } = node;
  assert.deepEqual({ cpuModel, cpuThreads, cpuSockets, cpuCores, memoryBytes, kernel, arch }, host);
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  assert.match(node.os, new RegExp(`^${/^NAME="?([^"\n]*)/m.exec(osRelease)![1]!.replace(/[/.()]/g, '\\$&')}`));
  assert.deepEqual([node.nodeName, node.hostname], ['node01', hostname()]);
  const lo = node.interfaces.find((net) => net.name === 'lo');
  assert.deepEqual(lo, { name: 'lo', addresses: ['127.0.0.1', '::1'], mac: null, speedMbps: null });
  assert.deepEqual(node.gpus.map((gpu) => [gpu.index, gpu.model, gpu.uuid, gpu.memoryMiB, gpu.driver]), [
    [0, 'NVIDIA H100 80GB HBM3', 'GPU-11111111-2222-3333-4444-555555555555', 81559, '590.48.01'],
    [1, 'NVIDIA H100 80GB HBM3', 'GPU-66666666-7777-8888-9999-000000000000', 81559, '590.48.01'],
  ]);
});

test('without nvidia-smi the node has no GPUs and nothing is said', async () => {
  const logged: string[] = [];
  const node = await collectNodeFacts({ nodeName: 'n', hostname: 'h', nvidiaSmiCommand: '/nonexistent/nvidia-smi', log: (line) => logged.push(line) });
  assert.deepEqual([node.gpus, logged], [[], []]);
});

/** The node query's columns cut out of a captured `--query-gpu=<212 fields> --format=csv` (with units). */
async function capturedNodeQuery(file: string): Promise<string> {
  const lines = (await readFile(join(fixtures, file), 'utf8')).split('\n');
  const at = lines.indexOf('# idle :: query-gpu (csv, what the exporter parses)');
  const [header, ...rows] = lines.slice(at + 3, lines.indexOf('', at + 3));
  const fields = header!.split(', ').map((field) => field.replace(/ \[[^\]]*\]$/, ''));
  const columns = NVIDIA_SMI_NODE_FIELDS.map((name) => fields.indexOf(name));
  assert.ok(!columns.includes(-1), `every node field in the capture's header: ${columns.join(',')}`);
  return rows.map((row) => columns.map((column) => row.split(', ')[column]).join(', ')).join('\n');
}

test('the GPU facts parser on real captures: H100 and H200 with MIG, memory with its unit', async () => {
  assert.deepEqual(parseNvidiaSmiNodeGpus(await capturedNodeQuery('linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt')), [
    { index: 0, model: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-00000000-0000-0000-0000-000000000000', memoryMiB: 81559, driver: '590.48.01' },
  ]);
  const h200 = parseNvidiaSmiNodeGpus(await capturedNodeQuery('linux-x86_64__nvidia-h200-mig__590.48.01.txt'));
  assert.equal(h200.length, 1);
  assert.match(h200[0]!.model, /H200/);
  assert.equal(h200[0]!.driver, '590.48.01');
  assert.ok(h200[0]!.memoryMiB! > 140_000, `${h200[0]!.memoryMiB}`);
  assert.throws(() => parseNvidiaSmiNodeGpus('0, GPU-1, NVIDIA X, 80'), /4 values where 5 were asked/);
  assert.throws(() => parseNvidiaSmiNodeGpus('x, GPU-1, NVIDIA X, 80, 1.0'), /without a GPU index/);
});
