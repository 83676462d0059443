/**
 * A plain `python3 train.py` without the wrapper: start_run starts the program's own agent (the
 * prov4ml CLI) and end_run waits until the rank's files are written. Figures: the median wall time of
 * start_run (it must not wait for Node to start), and of end_run after 1M points logged flat out
 * (it includes sending what is still buffered, finalising the run's files and the agent's exit).
 * Every run's CSV is checked for its 1M rows, so a fast but lossy end cannot pass.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

const PYTHON = '/usr/bin/python3';
const PYTHON_CLIENT_DIR = new URL('../packages/agent/python', import.meta.url).pathname;
const CLI = new URL('../packages/cli/bin/prov4ml.js', import.meta.url).pathname;
const RUNS = 5;
const POINTS = 1_000_000;
/** A run is killed (and the bench fails) after this long. */
const RUN_TIMEOUT_MS = 120_000;

const SCRIPT = `
import json, time
import prov4ml
from prov4ml import Context
start = time.perf_counter()
prov4ml.start_run("bench", "standalone", provenance_save_dir=".")
started = time.perf_counter()
log_metric = prov4ml.log_metric
for epoch in range(${POINTS}):
    log_metric("loss", 0.5, context=Context.TRAINING, step=epoch)
ending = time.perf_counter()
prov4ml.end_run()
ended = time.perf_counter()
print(json.dumps({"start_run_s": started - start, "end_run_s": ended - ending}))
`;

function runOnce(directory: string): Promise<{ start_run_s: number; end_run_s: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_CLIENT_DIR, PROV4ML_CLI: CLI, PROV4ML_METRICS_INTERVAL: '0' };
  delete env.PROV4ML_CHANNEL;
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', SCRIPT], { cwd: directory, env, timeout: RUN_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`bench: the standalone Python run failed: ${stderr.trim() || error.message}`));
      resolve(JSON.parse(stdout) as { start_run_s: number; end_run_s: number });
    });
  });
}

export async function measurePythonStandalone(): Promise<Record<string, number>> {
  const startRun: number[] = [];
  const endRun: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const directory = mkdtempSync(join(tmpdir(), 'prov4ml-bench-standalone-'));
    try {
      const timing = await runOnce(directory);
      const rows = readFileSync(join(directory, 'standalone_0', 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8').trimEnd().split('\n').length - 1;
      if (rows !== POINTS) throw new Error(`bench: the standalone run kept ${rows} of ${POINTS} points`);
      startRun.push(timing.start_run_s);
      endRun.push(timing.end_run_s);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  return { python_standalone_start_run_s: median(startRun), python_standalone_end_run_1m_s: median(endRun) };
}
