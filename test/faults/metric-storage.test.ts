/**
 * A full disk while the netCDF or Zarr metric files are written (issue 16, items 2 and 4), on a real
 * tmpfs (root only): one line names the file and ENOSPC, no file claims to be a complete series (a
 * netCDF header says 0 records until every record is written; a Zarr store has no .zgroup until
 * every chunk is), and `merge` completes every file once there is space.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEBIAN_PYTHON, needs, pythonModuleAvailable } from '../support/components.js';
import { CLI, onlyRunDir, runCommand } from '../support/run-dir.js';
import { canMountTmpfs, mount, tmpfs } from '../support/tmpfs.js';
import { LOG_POINTS_PROGRAM } from './support.js';

const POINTS = 15_000;
/**
 * Spool and received log of POINTS × 2 metrics take about 0.5 MB; the netCDF files 0.72 MB, the Zarr
 * stores 0.23 MB (measured): each size holds the spool and log and never the metric files as well.
 */
const TOO_SMALL = { netcdf: '1m', zarr: '600k' } as const;
const READER = { netcdf: 'netCDF4', zarr: 'zarr' } as const;
const mounts = needs('root, to mount a tmpfs', canMountTmpfs());

/** Per metric file: the points its reference reader finds, or 'unreadable'. */
const READ_ALL = `
import glob, os, sys
fmt, run_dir = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob(os.path.join(run_dir, "metrics", "*"))):
    try:
        if fmt == "netcdf":
            import netCDF4
            points = len(netCDF4.Dataset(path).variables["value"][:])
        else:
            import zarr
            points = len(zarr.open_group(path, mode="r")["value"][:])
    except Exception:
        points = "unreadable"
    print(os.path.basename(path), points)
`;

async function readAll(format: 'netcdf' | 'zarr', runDir: string): Promise<string[]> {
  const result = await runCommand(DEBIAN_PYTHON, ['-c', READ_ALL, format, runDir]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split('\n').filter(Boolean);
}

describe('a full disk while metric files are written', () => {
  for (const format of ['netcdf', 'zarr'] as const) {
    const reader = needs(`Debian python3-${format === 'netcdf' ? 'netcdf4' : 'zarr'}`, pythonModuleAvailable(READER[format]));
    test(`${format}: one line naming the file, nothing read as a complete series, merge completes once there is space`, { ...mounts, ...(mounts.skip ? {} : reader) }, async () => {
      const disk = tmpfs(`size=${TOO_SMALL[format]}`);
      try {
        const result = await runCommand(process.execPath, [CLI, 'run', '-n', '1', '--metrics-interval', '0', '--', process.execPath, LOG_POINTS_PROGRAM], {
          env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: disk.dir, PROV4ML_METRICS_FORMAT: format, POINTS: String(POINTS), EXIT_CODE: '5' },
        });
        assert.equal(result.code, 5, `the program's exit code: ${result.stderr}`);
        const runDir = onlyRunDir(disk.dir);
        const suffix = format === 'netcdf' ? '\\.nc' : '\\.zarr';
        const failures = result.stderr.split('\n').filter((line) => new RegExp(`finalisation failed: cannot write ${runDir}/metrics/\\S+${suffix}: ENOSPC$`).test(line));
        assert.equal(failures.length, 1, result.stderr);
        const before = await readAll(format, runDir);
        const complete = before.filter((line) => line.endsWith(` ${POINTS}`));
        assert.ok(complete.length < 2, `a file whose writing failed reads as complete: ${before.join('; ')}`);
        for (const line of before) assert.match(line, new RegExp(` (${POINTS}|0|unreadable)$`), 'a file is complete, empty (0 records claimed) or no store at all');
        mount(['-o', 'remount,size=64m', disk.dir]);
        const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
        assert.equal(merged.code, 0, merged.stderr);
        const extension = format === 'netcdf' ? 'nc' : 'zarr';
        assert.deepEqual(await readAll(format, runDir), [`acc_VALIDATION_GR0.${extension} ${POINTS}`, `loss_TRAINING_GR0.${extension} ${POINTS}`]);
      } finally {
        disk.unmount();
      }
    });
  }
});
