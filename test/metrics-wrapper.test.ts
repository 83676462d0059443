import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, onlyRunDir, readMetricCsv, REPO_ROOT, runCommand } from './support/run-dir.js';

const FAKE_NVIDIA_SMI_DIR = join(REPO_ROOT, 'packages/agent/test/fixtures/nvidia-smi/fake-bin');

test('the wrapper samples the rank\'s own GPU through nvidia-smi on PATH, with units, sources and the country\'s carbon intensity', async () => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-metrics-'));
  const result = await runCommand(process.execPath, [CLI, 'run', '--metrics-interval', '1', '--', process.execPath, '-e', 'setTimeout(() => {}, 2500)'], {
    env: {
      ...process.env,
      PATH: `${FAKE_NVIDIA_SMI_DIR}:${process.env.PATH}`,
      CUDA_VISIBLE_DEVICES: '1',
      PROV4ML_COUNTRY: 'FRA',
      PROV4ML_PROVENANCE_SAVE_DIR: saveDir,
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const runDir = onlyRunDir(saveDir);
  const metrics = readdirSync(join(runDir, 'metrics'));
  // Only the GPU CUDA_VISIBLE_DEVICES gives this rank: device 1, never device 0.
  assert.ok(metrics.includes('gpu1_power_usage_RUN_GR0.csv'), metrics.join(' '));
  assert.equal(metrics.filter((name) => name.startsWith('gpu0_')).length, 0);
  const power = readMetricCsv(join(runDir, 'metrics', 'gpu_power_usage_RUN_GR0.csv'));
  assert.ok(power.rows >= 2, `periodic samples: ${power.rows}`);
  // The fake GPU 1 draws 250.25 W in every sample; the rank's total is that one device.
  assert.equal(power.sum, 250.25 * power.rows);
  for (const name of ['cpu_usage', 'memory_usage', 'disk_usage', 'emissions', 'energy_consumed']) {
    assert.ok(metrics.includes(`${name}_RUN_GR0.csv`), `${name} is sampled`);
  }
  const document = JSON.parse(readFileSync(join(runDir, 'prov_experiment_GR0.json'), 'utf8')) as { entity: Record<string, Record<string, unknown>>; activity: Record<string, Record<string, unknown>> };
  const metricEntity = (name: string) => Object.values(document.entity).find((e) => e['prov-ml:type'] === 'Metric' && e['prov-ml:name'] === name)!;
  assert.equal(metricEntity('gpu_power_usage')['prov-ml:unit'], 'W');
  assert.equal(metricEntity('gpu_power_usage')['prov-ml:source'], 'nvidia-smi');
  assert.equal(metricEntity('emissions')['prov-ml:unit'], 'gCO2eq');
  const run = Object.values(document.activity).find((a) => a['prov-ml:type'] === 'LearningExecution')!;
  assert.deepEqual(run['prov-ml:carbon_intensity'], { $: '56.039', type: 'xsd:double' });
});
