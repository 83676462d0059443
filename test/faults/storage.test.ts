/**
 * Storage faults (issue 6, item 6) on real file systems: a save directory on a tmpfs too small for the
 * job's files, and a read-only one. Each needs root to mount (CI runs as root).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { needs } from '../support/components.js';
import { canMountTmpfs, mount, tmpfs } from '../support/tmpfs.js';
import { assertExactlyOnce, CLI, onlyRunDir, readMetricCsv, runCommand } from '../support/run-dir.js';
import { LOG_POINTS_PROGRAM } from './support.js';

const POINTS = 15_000;
/**
 * The CSVs of POINTS × 2 metrics alone take about 0.9 MB; the spool and the received log are each far
 * smaller (0.25 MB), and the received log never gets ahead of the spool (frames are sent once
 * spooled), so 1 MB always holds both, and never the CSVs as well.
 */
const TOO_SMALL_FOR_THE_FILES = '1m';
/**
 * Points per metric of the spool case: 200,000 points, about 1.6 MB of spool. A tmpfs smaller than that
 * must still hold the spool's first frame whole, or nothing is kept (CI once saw exactly that with
 * 15,000 points and 128 KB). How many points a frame carries depends on how the ranks' agent is
 * scheduled, but never more than the agent's MAX_PENDING_POINTS (65,536: about 0.6 MB with the run's
 * leading records).
 */
const SPOOL_POINTS = 100_000;
/** Larger than any one frame, smaller than the spool of SPOOL_POINTS. */
const TOO_SMALL_FOR_THE_SPOOL = '1m';

const mounts = needs('root, to mount a tmpfs', canMountTmpfs());

function runPoints(saveDir: string, points: number) {
  return runCommand(process.execPath, [CLI, 'run', '-n', '1', '--metrics-interval', '0', '--', process.execPath, LOG_POINTS_PROGRAM], {
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(points), EXIT_CODE: '5' },
  });
}

function stderrLines(stderr: string, pattern: RegExp): string[] {
  return stderr.split('\n').filter((line) => pattern.test(line));
}

describe('storage faults', () => {
  test('a save directory too small for the job files: the error names the file, the spool is kept, merge completes once there is space', mounts, async () => {
    const disk = tmpfs(`size=${TOO_SMALL_FOR_THE_FILES}`);
    try {
      const result = await runPoints(disk.dir, POINTS);
      assert.equal(result.code, 5, `the program's exit code: ${result.stderr}`);
      const runDir = onlyRunDir(disk.dir);
      assert.equal(stderrLines(result.stderr, new RegExp(`finalisation failed: cannot write ${runDir}/\\S+: ENOSPC`)).length, 1, result.stderr);
      assert.equal(stderrLines(result.stderr, new RegExp(`files were not written in ${runDir}.*spools.*prov4ml merge ${runDir}$`)).length, 1, result.stderr);
      mount(['-o', 'remount,size=64m', disk.dir]);
      const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
      assert.equal(merged.code, 0, merged.stderr);
      assertExactlyOnce(runDir, 1, POINTS);
    } finally {
      disk.unmount();
    }
  });

  test('a save directory too small for the spool: the message says what was kept and what is lost; merge rebuilds exactly what was kept', mounts, async () => {
    const disk = tmpfs(`size=${TOO_SMALL_FOR_THE_SPOOL}`);
    try {
      const result = await runPoints(disk.dir, SPOOL_POINTS);
      assert.equal(result.code, 5, `the program's exit code: ${result.stderr}`);
      const runDir = onlyRunDir(disk.dir);
      assert.equal(stderrLines(result.stderr, /nothing is lost/).length, 0, 'no false comfort');
      const notices = stderrLines(result.stderr, new RegExp(`the spool ${runDir}/spool/\\S+ stopped taking them \\(ENOSPC\\).*lost.*prov4ml merge ${runDir}$`));
      assert.equal(notices.length, 1, result.stderr);
      mount(['-o', 'remount,size=64m', disk.dir]);
      const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
      assert.equal(merged.code, 0, merged.stderr);
      // What the spool kept is a prefix of the run, each point once.
      const loss = readMetricCsv(join(runDir, 'metrics', 'loss_TRAINING_GR0.csv'));
      assert.ok(loss.rows > 0 && loss.rows < SPOOL_POINTS, `${loss.rows} rows kept`);
      assert.deepEqual(loss.steps, Array.from({ length: loss.rows }, (_, i) => i));
    } finally {
      disk.unmount();
    }
  });

  test('a save directory under /proc (no new entries: Node\'s recursive mkdir never returns there): one line naming it, and the program runs', async () => {
    const script = 'import prov4ml\nprov4ml.start_run("www.example.org", "e", "/proc/prov4ml-nope/save")\nprov4ml.log_metric("loss", 1.0, prov4ml.Context.TRAINING, step=0)\nprov4ml.end_run()\nprint("trained")\n';
    // The wrapper still records the rank (its own observations) where the options say.
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-proc-'));
    const result = await runCommand(process.execPath, [CLI, 'run', '--metrics-interval', '0', '--', 'python3', '-c', script], {
      cwd: saveDir,
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir },
      timeoutMs: 60_000,
    });
    rmSync(saveDir, { recursive: true, force: true });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'trained\n');
    assert.equal(stderrLines(result.stderr, /cannot create the provenance save directory \/proc\/prov4ml-nope\/save: ENOENT; the training goes on without provenance$/).length, 1, result.stderr);
  });

  test('a read-only save directory: one line naming it, and the program runs with its exit code', mounts, async () => {
    const disk = tmpfs('size=64k,ro');
    try {
      const saveDir = disk.dir;
      const result = await runCommand(process.execPath, [CLI, 'run', '--metrics-interval', '0', '--', process.execPath, '-e', 'console.log("trained"); process.exitCode = 4'], {
        env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir },
      });
      assert.equal(result.code, 4, result.stderr);
      assert.equal(result.stdout, 'trained\n');
      const lines = result.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, result.stderr);
      // Node's recursive mkdir reports a read-only parent as ENOENT, hence any errno code.
      assert.match(lines[0]!, new RegExp(`cannot create the provenance save directory ${saveDir}: E[A-Z]+; this rank's provenance is not recorded$`));
    } finally {
      disk.unmount();
    }
  });
});
