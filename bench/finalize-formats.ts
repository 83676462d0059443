/**
 * Finalisation in each metric file format (issue 16): the 10M-point job of bench/finalize.ts (4 ranks ×
 * 2.5M points, each rank its own agent) with PROV4ML_METRICS_FORMAT = csv, txt, netcdf and zarr; per
 * format the time from the last endRun to the collection written, and the bytes of its metric files.
 * netCDF and Zarr are held to 2 × the CSV time and to the CSV bytes, measured in the same run.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_DIR, type MetricFormat } from '@prov4ml/prov-core';
import { inProcessRanks, measured, type Job } from './finalize.js';

const JOB: Job = { ranks: 4, pointsPerRank: 2_500_000 };
const FORMATS: readonly MetricFormat[] = ['csv', 'txt', 'netcdf', 'zarr'];

/** Bytes of every file under `path` (a Zarr store is a directory). */
function bytesUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

export async function measureFinalizeFormats(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const format of FORMATS) {
    const ranks = (saveDir: string, job: Job) => inProcessRanks(saveDir, job, { PROV4ML_METRICS_FORMAT: format });
    await measured(JOB, ranks, async ({ seconds, runDir }) => {
      figures[`finalize_10m_${format}_s`] = seconds;
      figures[`metric_files_10m_${format}_mb`] = bytesUnder(join(runDir, METRICS_DIR)) / 2 ** 20;
    });
  }
  return figures;
}
