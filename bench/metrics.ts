/**
 * Cost of one full metrics sample (system + GPU + carbon) in the agent's own CPU time, against its
 * 5 ms limit (issue 5; in run.ts). The GPU tool is the fake nvidia-smi of the agent's test fixtures (two GPUs), so
 * the figure includes spawning it and parsing its output; the tool's own CPU (a real nvidia-smi spends
 * far more initialising NVML) runs in a child process and is reported separately, as information.
 * The collector runs as local rank 0, so the node energy meter is measured too. The samples run in a
 * plain `node` child (see metrics-sampler-child.mjs), as the agent's compiled code does.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WARMUP_SAMPLES = 20;
const MEASURED_SAMPLES = 200;
const CHILD_SCRIPT = fileURLToPath(new URL('./metrics-sampler-child.mjs', import.meta.url));
const FAKE_NVIDIA_SMI = fileURLToPath(new URL('../packages/agent/test/fixtures/nvidia-smi/fake-bin/nvidia-smi', import.meta.url));

export function measureSampling(): Promise<Record<string, number>> {
  const args = [CHILD_SCRIPT, FAKE_NVIDIA_SMI, String(WARMUP_SAMPLES), String(MEASURED_SAMPLES)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`metrics bench child failed: ${stderr.trim() || error.message}`));
      resolve(JSON.parse(stdout) as Record<string, number>);
    });
  });
}
