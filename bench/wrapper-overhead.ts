/**
 * What `prov4ml run` costs a CPU-bound program: a fixed amount of arithmetic (~1.5 s here) run bare and
 * under `prov4ml run --metrics-interval 1` (system, GPU and carbon samples every second), in alternating
 * pairs; the figure is the median over pairs of (wrapped − bare) / bare × 100.
 *
 * The program times its own work and prints it: the wrapper's start (run directory, hosted aggregator)
 * and its end (finalisation) happen once per job, not per training step, so they are not what slows a
 * training loop down. They are reported on their own, as the median extra wall time of the whole command.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

const CLI = new URL('../packages/cli/bin/prov4ml.js', import.meta.url).pathname;
const PAIRS = 5;
/** Iterations of the program's loop: ~1.5 s on this machine, so each run spans at least one sample. */
const WORK_ITERATIONS = 80_000_000;
/** A run is killed (and the bench fails) after this long. */
const RUN_TIMEOUT_MS = 60_000;

const PROGRAM = `
const start = process.hrtime.bigint();
let x = 0;
for (let i = 0; i < ${WORK_ITERATIONS}; i++) x = (x + Math.sqrt(i)) % 1e9;
console.log('work_ms', Number(process.hrtime.bigint() - start) / 1e6, x > 0);
`;

interface Timing {
  /** The program's own timing of its work. */
  workMs: number;
  /** The whole command, start to exit. */
  wallMs: number;
}

function timedRun(args: string[], saveDir: string): Promise<Timing> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir }, timeout: RUN_TIMEOUT_MS }, (error, stdout, stderr) => {
      const wallMs = performance.now() - start;
      const match = /^work_ms (\S+) true$/m.exec(stdout);
      if (error !== null || match === null) return reject(new Error(`bench: the wrapper overhead program failed: ${stderr.trim() || error?.message}`));
      resolve({ workMs: Number(match[1]), wallMs });
    });
  });
}

export async function measureWrapperOverhead(): Promise<Record<string, number>> {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-wrapper-'));
  const overheadPct: number[] = [];
  const extraWallS: number[] = [];
  try {
    for (let pair = 0; pair < PAIRS; pair++) {
      const bare = await timedRun(['-e', PROGRAM], saveDir);
      const wrapped = await timedRun([CLI, 'run', '--metrics-interval', '1', '--', process.execPath, '-e', PROGRAM], saveDir);
      overheadPct.push(((wrapped.workMs - bare.workMs) / bare.workMs) * 100);
      extraWallS.push((wrapped.wallMs - bare.wallMs) / 1000);
    }
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
  return { wrapper_overhead_pct: median(overheadPct), wrapper_extra_wall_s: median(extraWallS) };
}
