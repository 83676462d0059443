import assert from 'node:assert/strict';
import { delimiter } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_METRICS_OPTIONS, MetricsCollector, metricsOptionsFromEnv, startPeriodicSampling, type MetricSample } from '../../src/metrics/index.js';

const FAKE_BIN = fileURLToPath(new URL('../fixtures/nvidia-smi/fake-bin', import.meta.url));
const near = (actual: number | undefined, expected: number, tolerance = 1e-9) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `${actual} ≈ ${expected}`);
const byName = (samples: MetricSample[]) => new Map(samples.map((sample) => [sample.name, sample]));

describe('MetricsCollector with the fake nvidia-smi on PATH', () => {
  const savedPath = process.env.PATH;
  before(() => {
    process.env.PATH = `${FAKE_BIN}${delimiter}${savedPath ?? ''}`;
  });
  after(() => {
    process.env.PATH = savedPath;
  });

  test('local rank 1 with CUDA_VISIBLE_DEVICES=1 in France: only GPU 1, and its energy alone, for one hour', async () => {
    let now = 0;
    const env = { CUDA_VISIBLE_DEVICES: '1', PROV4ML_COUNTRY: 'FRA' };
    const collector = await MetricsCollector.start({
      ...DEFAULT_METRICS_OPTIONS,
      ...metricsOptionsFromEnv(env),
      localRank: 1,
      hostname: 'gpu01',
      rootPid: process.pid,
      clock: () => now,
    });
    now = 3_600_000;
    const snapshot = await collector.sample('all');
    assert.deepEqual(snapshot.errors, []);
    assert.deepEqual(snapshot.gpuDevices.map((device) => device.index), [1]);
    assert.equal(byName(snapshot.gpu).get('gpu1_power_usage')?.value, 250.25);
    assert.ok(snapshot.system.some((sample) => sample.name === 'memory_usage'));
    const carbon = byName(snapshot.carbon);
    // GPU 1 draws 250.25 W at start and after an hour: 250.25 W × 3600 s = 900 900 J = 0.25025 kWh;
    // × 56.039 gCO2eq/kWh (FRA) = 14.02375975 gCO2eq; ÷ 3600 s = 0.0038954888… gCO2eq/s.
    near(carbon.get('gpu_energy')?.value, 900_900, 1e-6);
    near(carbon.get('energy_consumed_kwh')?.value, 0.25025, 1e-12);
    near(carbon.get('emissions')?.value, 14.02375975, 1e-9);
    near(carbon.get('emissions_rate')?.value, 14.02375975 / 3600, 1e-12);
    assert.equal(carbon.get('gpu_power')?.source, 'nvidia-smi');
    assert.equal(carbon.has('cpu_power'), false, "the node's CPU and RAM belong to local rank 0's document");
    const record = collector.attributionRecord(1234);
    assert.equal(record.kind, 'carbon_attribution');
    assert.equal(record.countryIso, 'FRA');
    assert.equal(record.carbonIntensityGPerKWh, 56.039);
    assert.match(record.method, /this rank's 1 GPU\(s\) chosen by CUDA_VISIBLE_DEVICES/);
    await collector.close();
  });

  test('local rank 0 runs the node meter: CPU and RAM power with their sources, GPUs of the whole node', async () => {
    let now = 0;
    const collector = await MetricsCollector.start({ ...DEFAULT_METRICS_OPTIONS, localRank: 0, hostname: 'gpu01', clock: () => now });
    now = 10_000;
    const snapshot = await collector.sample('carbon');
    assert.deepEqual(snapshot.errors, []);
    assert.deepEqual(snapshot.system, [], "a carbon request does not log system metrics");
    const carbon = byName(snapshot.carbon);
    assert.ok(['rapl', 'tdp-table', 'tdp-default'].includes(carbon.get('cpu_power')!.source));
    assert.equal(carbon.get('ram_power')?.source, 'dimm-estimate');
    // Both fake GPUs: 512.50 + 250.25 = 762.75 W for 10 s = 7627.5 J.
    near(carbon.get('gpu_energy')?.value, 7627.5, 1e-6);
    const total = carbon.get('cpu_energy')!.value + carbon.get('ram_energy')!.value + 7627.5;
    near(carbon.get('energy_consumed')?.value, total, 1e-6);
    // No country: the world average, 475 gCO2eq/kWh.
    near(carbon.get('emissions')?.value, (total / 3_600_000) * 475, 1e-9);
    assert.match(collector.attributionMethod, /^Node energy of host gpu01, measured once by local rank 0/);
    await collector.close();
  });

  test('periodic sampling delivers snapshots until stopped', async () => {
    const collector = await MetricsCollector.start({ ...DEFAULT_METRICS_OPTIONS, localRank: 2, hostname: 'gpu01' });
    const snapshots: number[] = [];
    const periodic = startPeriodicSampling(collector, 0.05, (snapshot) => snapshots.push(snapshot.gpu.length));
    while (snapshots.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await periodic.stop();
    const seen = snapshots.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(snapshots.length, seen, 'no sample after stop');
    // Two GPUs, each with 5 series except GPU 1's usage, plus 5 rank series = 14 samples.
    assert.equal(snapshots[0], 14);
    await collector.close();
  });
});
