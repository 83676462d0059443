import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  GpuSampler,
  gpuSamples,
  metricsOptionsFromEnv,
  parseNvidiaSmiList,
  parseNvidiaSmiQuery,
  parseRocmSmiJson,
  selectVisibleDevices,
  type GpuDeviceReading,
  type MetricSample,
} from '../../src/metrics/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const H100 = join(fixtures, 'nvidia-smi/linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt');
const H200_MIG = join(fixtures, 'nvidia-smi/linux-x86_64__nvidia-h200-mig__590.48.01.txt');
const FAKE_BIN = join(fixtures, 'nvidia-smi/fake-bin');

/** The lines of one `# <title>` section of an nvidia_gpu_exporter capture, without blank lines. */
async function captureSection(file: string, title: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  let at = lines.indexOf(`# ${title}`);
  assert.ok(at >= 0, `section '${title}' in ${file}`);
  while (!lines[at]!.startsWith('####')) at += 1; // the rule closing the section's heading
  const body: string[] = [];
  for (at += 1; at < lines.length && !lines[at]!.startsWith('####'); at += 1) if (lines[at]!.trim() !== '') body.push(lines[at]!);
  return body;
}

/** A `--format=csv` capture: the header names the fields (units in brackets), the rows follow. */
async function capturedQuery(file: string, phase: 'idle' | 'load'): Promise<GpuDeviceReading[]> {
  const [header, ...rows] = await captureSection(file, `${phase} :: query-gpu (csv, what the exporter parses)`);
  const fields = header!.split(', ').map((field) => field.replace(/ \[[^\]]*\]$/, ''));
  return parseNvidiaSmiQuery(rows.join('\n'), fields);
}

const byName = (samples: MetricSample[]) => new Map(samples.map((sample) => [sample.name, sample]));

describe('nvidia-smi parser on real captures', () => {
  test('H100 idle and under load: numbers with units, 212 columns, deprecated-field notes ignored', async () => {
    const [idle] = await capturedQuery(H100, 'idle');
    assert.deepEqual(idle, {
      index: 0,
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      name: 'NVIDIA H100 80GB HBM3',
      utilizationPercent: 0,
      memoryUsedMiB: 0,
      memoryTotalMiB: 81559,
      temperatureC: 41,
      powerW: 69.85,
    });
    const load = await capturedQuery(H100, 'load');
    assert.equal(load.length, 1);
    assert.deepEqual(
      [load[0]!.utilizationPercent, load[0]!.memoryUsedMiB, load[0]!.temperatureC, load[0]!.powerW],
      [100, 19818, 59, 631.95],
    );
  });

  test('H200 with MIG: utilization [N/A] becomes no gpu_usage sample, the rest is reported', async () => {
    const devices = await capturedQuery(H200_MIG, 'load');
    assert.equal(devices.length, 1, 'one row per physical GPU, not per MIG instance');
    assert.equal(devices[0]!.utilizationPercent, null);
    const samples = byName(gpuSamples(devices, 'nvidia-smi'));
    assert.equal(samples.has('gpu_usage'), false);
    assert.equal(samples.has('gpu0_usage'), false);
    assert.equal(samples.get('gpu_power_usage')?.value, 295.01);
    // 16959 / 143771 × 100 = 11.7958…
    assert.ok(Math.abs(samples.get('gpu_memory_usage')!.value - 11.79584) < 1e-4);
    assert.equal(samples.get('gpu0_power_usage')?.source, 'nvidia-smi GPU-00000000-0000-0000-0000-000000000000');
  });

  test('nvidia-smi -L of the MIG capture maps each MIG instance to GPU 0, and CUDA_VISIBLE_DEVICES=MIG-… picks it', async () => {
    const parents = parseNvidiaSmiList((await captureSection(H200_MIG, 'capabilities :: list (-L)')).join('\n'));
    assert.equal(parents.length, 5);
    assert.ok(parents.every((parent) => parent.gpuIndex === 0 && parent.gpuUuid === 'GPU-00000000-0000-0000-0000-000000000000'));
    assert.equal(parents[3]!.migUuid, 'MIG-00000003-0000-0000-0000-000000000003');
    const devices = await capturedQuery(H200_MIG, 'idle');
    const visible = selectVisibleDevices(devices, ['MIG-00000003-0000-0000-0000-000000000003', 'MIG-00000004'], parents);
    assert.deepEqual(visible.map((device) => device.index), [0], 'two instances of one GPU count it once');
  });

  test('a row with the wrong number of columns is an error, not a device', () => {
    assert.throws(() => parseNvidiaSmiQuery('0, GPU-1, NVIDIA A100, 5\n'), /4 values where 8 were asked/);
  });
});

describe('rocm-smi parser on real captures (telegraf testdata)', () => {
  test('four MI100: ids, power, bytes turned into MiB', async () => {
    const devices = parseRocmSmiJson(await readFile(join(fixtures, 'rocm-smi/mi100_rocm602.json'), 'utf8'));
    assert.deepEqual(devices.map((device) => device.index), [0, 1, 2, 3]);
    assert.deepEqual(devices.map((device) => device.powerW), [36, 44, 43, 39]);
    // Unique ID 0x4edfb117a17a07d has 15 hex digits; ROCR writes 16.
    assert.equal(devices[1]!.uuid, 'GPU-04edfb117a17a07d');
    assert.equal(devices[0]!.name, 'Arcturus GL-XL [Instinct MI100]');
    // 6750208 B / 1048576 = 6.4375 MiB; 34342961152 B / 1048576 = 32752 MiB.
    assert.equal(devices[0]!.memoryUsedMiB, 6.4375);
    assert.equal(devices[0]!.memoryTotalMiB, 32752);
    assert.equal(devices[3]!.temperatureC, 51);
    const visible = selectVisibleDevices(devices, ['GPU-d4a9ec48d03d261d', '3']);
    assert.deepEqual(visible.map((device) => device.index), [2, 3]);
    // Rank total 43 + 39 = 82 W; mean temperature (54 + 51) / 2 = 52.5 °C.
    const samples = byName(gpuSamples(visible, 'rocm-smi'));
    assert.equal(samples.get('gpu_power_usage')?.value, 82);
    assert.equal(samples.get('gpu_temperature')?.value, 52.5);
    assert.equal(samples.get('gpu3_power_usage')?.source, 'rocm-smi GPU-1b9dd972253c3736');
  });

  test('RX 6700 XT without a unique id', async () => {
    const [device] = parseRocmSmiJson(await readFile(join(fixtures, 'rocm-smi/rx6700xt_rocm612.json'), 'utf8'));
    assert.equal(device!.uuid, null);
    assert.equal(device!.powerW, 6);
    assert.equal(device!.utilizationPercent, 0);
  });
});

describe('CUDA_VISIBLE_DEVICES selection', () => {
  const device = (index: number, uuid: string): GpuDeviceReading => ({
    index,
    uuid,
    name: 'GPU',
    utilizationPercent: null,
    memoryUsedMiB: null,
    memoryTotalMiB: null,
    temperatureC: null,
    powerW: null,
  });
  const devices = [device(0, 'GPU-aaaa1111'), device(1, 'GPU-aaaa2222'), device(2, 'GPU-bbbb3333')];
  const pick = (value: string | undefined) => {
    const entries = metricsOptionsFromEnv({ CUDA_VISIBLE_DEVICES: value }).cudaVisibleDevices ?? null;
    return selectVisibleDevices(devices, entries).map((selected) => selected.index);
  };

  test('indices, unique UUID prefixes, and CUDA stopping at the first entry that names no device', () => {
    assert.deepEqual(pick(undefined), [0, 1, 2]);
    assert.deepEqual(pick('2,0'), [2, 0]);
    assert.deepEqual(pick('GPU-bbbb, 1'), [2, 1]);
    assert.deepEqual(pick('GPU-aaaa,2'), [], 'an ambiguous prefix names no device, so the list ends there');
    assert.deepEqual(pick('1,7,2'), [1]);
    assert.deepEqual(pick('-1'), []);
    assert.deepEqual(pick(''), []);
    assert.deepEqual(pick('MIG-GPU-aaaa2222/1/0'), [1], 'pre-R470 MIG ids name their parent GPU');
  });
});

describe('GPU sampler end to end with a fake nvidia-smi on PATH', () => {
  const savedPath = process.env.PATH;
  let slowBin: string;
  before(async () => {
    process.env.PATH = `${FAKE_BIN}${delimiter}${savedPath ?? ''}`;
    slowBin = await mkdtemp(join(tmpdir(), 'prov4ml-slow-smi-'));
    await writeFile(join(slowBin, 'nvidia-smi'), '#!/bin/sh\nexec sleep 5\n');
    await chmod(join(slowBin, 'nvidia-smi'), 0o755);
    // What nvidia-smi says, on stdout, on a node whose driver is not loaded.
    const noDriver = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    await writeFile(join(slowBin, 'broken-nvidia-smi'), `#!/bin/sh\necho "${noDriver}"\nexit 9\n`);
    await chmod(join(slowBin, 'broken-nvidia-smi'), 0o755);
  });
  after(async () => {
    process.env.PATH = savedPath;
    await rm(slowBin, { recursive: true, force: true });
  });
  /** Every GPU visible, the given nvidia-smi, and no rocm-smi to fall back on. */
  const startWithoutRocm = (nvidiaSmiCommand: string, timeoutMs?: number) =>
    GpuSampler.start({ cudaVisibleDevices: null, rocrVisibleDevices: null, nvidiaSmiCommand, rocmSmiCommand: 'prov4ml-no-such-rocm-smi', timeoutMs });

  test('two GPUs and CUDA_VISIBLE_DEVICES=1: only GPU 1, and its [N/A] utilization gives no usage sample', async () => {
    const options = metricsOptionsFromEnv({ CUDA_VISIBLE_DEVICES: '1' });
    const sampler = await GpuSampler.start({ cudaVisibleDevices: options.cudaVisibleDevices ?? null, rocrVisibleDevices: null });
    assert.equal(sampler.tool, 'nvidia-smi');
    const reading = await sampler.read();
    assert.equal(reading.error, null);
    assert.deepEqual(reading.devices.map((device) => [device.index, device.uuid]), [[1, 'GPU-66666666-7777-8888-9999-000000000000']]);
    const samples = byName(reading.samples);
    assert.deepEqual([...samples.keys()].sort(), [
      'gpu1_memory_usage',
      'gpu1_memory_used',
      'gpu1_power_usage',
      'gpu1_temperature',
      'gpu_memory_usage',
      'gpu_memory_used',
      'gpu_power_usage',
      'gpu_temperature',
    ]);
    assert.deepEqual(samples.get('gpu_power_usage'), { name: 'gpu_power_usage', value: 250.25, unit: 'W', source: 'nvidia-smi' });
    assert.equal(samples.get('gpu_memory_used')?.value, 20000);
    assert.equal(samples.get('gpu1_temperature')?.unit, '°C');
  });

  test('every GPU without CUDA_VISIBLE_DEVICES: totals for power and memory, means for usage and temperature', async () => {
    const sampler = await GpuSampler.start({ cudaVisibleDevices: null, rocrVisibleDevices: null });
    const samples = byName((await sampler.read()).samples);
    // power 512.50 + 250.25 = 762.75 W; memory 40000 + 20000 = 60000 MiB of 2 × 81559 = 163118 MiB → 36.7832… %;
    // usage: only GPU 0 reports it → 87 %; temperature (61 + 45) / 2 = 53 °C.
    assert.equal(samples.get('gpu_power_usage')?.value, 762.75);
    assert.equal(samples.get('gpu_memory_used')?.value, 60000);
    assert.ok(Math.abs(samples.get('gpu_memory_usage')!.value - 36.78319) < 1e-4);
    assert.equal(samples.get('gpu_usage')?.value, 87);
    assert.equal(samples.get('gpu_temperature')?.value, 53);
    assert.equal(samples.get('gpu0_usage')?.value, 87);
  });

  test('CUDA_VISIBLE_DEVICES naming a MIG instance asks nvidia-smi -L for its parent', async () => {
    const sampler = await GpuSampler.start({ cudaVisibleDevices: ['MIG-does-not-exist'], rocrVisibleDevices: null });
    const reading = await sampler.read();
    assert.equal(reading.error, null);
    assert.deepEqual(reading.devices, [], 'a MIG id that -L does not list names no device');
  });

  test('no nvidia-smi and no rocm-smi: no GPU samples at all, never zeros', async () => {
    const sampler = await startWithoutRocm('prov4ml-no-such-nvidia-smi');
    assert.equal(sampler.tool, null);
    assert.deepEqual(sampler.absenceReasons, ['prov4ml-no-such-nvidia-smi is not installed', 'prov4ml-no-such-rocm-smi is not installed']);
    assert.deepEqual(await sampler.read(), { devices: [], samples: [], error: null });
  });

  test('an nvidia-smi that cannot reach its driver means no GPU, and says why', async () => {
    const sampler = await startWithoutRocm(join(slowBin, 'broken-nvidia-smi'));
    assert.equal(sampler.tool, null);
    assert.match(sampler.absenceReasons[0]!, /broken-nvidia-smi failed \(exit 9\): NVIDIA-SMI has failed because it couldn't communicate/);
  });

  test('a hanging nvidia-smi is killed after the timeout', async () => {
    const sampler = await startWithoutRocm(join(slowBin, 'nvidia-smi'), 200);
    assert.equal(sampler.tool, null);
    assert.match(sampler.absenceReasons[0]!, /timed out after 200 ms/);
  });
});
