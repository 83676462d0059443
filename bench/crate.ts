/**
 * The RO-Crate of a big run (issue 16): 64 ranks of 100k points each (two series of 50k per rank, the
 * aggregator tests' synthetic job), written as spools and turned into a real run directory by `merge`
 * (the finalisation every run goes through). The figure is `writeRunCrate` of it, sha256 of every file
 * included, beside `sha256sum` of the same files measured in the same run (median of three each, after
 * a first round that warms the page cache for both).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeRunDir } from '@prov4ml/aggregator';
import { encodeEnvelope, encodeFrame, SPOOL_DIR, spoolPath } from '@prov4ml/prov-core';
import { writeRunCrate } from '@prov4ml/report';
import { rankEnvelopes, temporaryRunDir } from '../packages/aggregator/test/support.js';
import { median, seconds } from './stats.js';

const RANKS = 64;
/** Per series; two series per rank make its 100k points. */
const POINTS_PER_SERIES = 50_000;
const ROUNDS = 3;

/** A finished run directory of RANKS ranks, built by merge from one spool per rank. */
async function bigRun(): Promise<string> {
  const runDir = temporaryRunDir('crate_0');
  mkdirSync(join(runDir, SPOOL_DIR));
  const job = 'local-crate-bench';
  for (let rank = 0; rank < RANKS; rank++) {
    const sender = `bench${rank}`;
    const envelopes = rankEnvelopes(job, RANKS, runDir, { rank, sender, pointsPerFrame: POINTS_PER_SERIES, frames: 1 });
    writeFileSync(spoolPath(runDir, rank, sender), Buffer.concat(envelopes.map((envelope) => encodeFrame(encodeEnvelope(envelope)))));
  }
  await mergeRunDir(runDir);
  return runDir;
}

/** `sha256sum` of the files the crate lists (wall-clock seconds, one process). */
function sha256sumSeconds(runDir: string, files: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync('sha256sum', files, { cwd: runDir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`sha256sum exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function measureCrate(): Promise<Record<string, number>> {
  const runDir = await bigRun();
  try {
    const crateTimes: number[] = [];
    const sumTimes: number[] = [];
    let files: string[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      let listed = 0;
      const crateSeconds = await seconds(async () => {
        listed = (await writeRunCrate(runDir)).fileCount;
      });
      if (files.length === 0) {
        const crate = JSON.parse(readFileSync(join(runDir, 'ro-crate-metadata.json'), 'utf8')) as { '@graph': { '@id': string; '@type': string }[] };
        files = crate['@graph'].filter((entity) => entity['@type'] === 'File').map((entity) => decodeURIComponent(entity['@id']));
        if (files.length !== listed) throw new Error(`the crate lists ${listed} files, ${files.length} File entities`);
      }
      const sumSeconds = sha256sumSeconds(runDir, files);
      if (round === 0) continue;
      crateTimes.push(crateSeconds);
      sumTimes.push(sumSeconds);
    }
    return { crate_64x100k_s: median(crateTimes), crate_64x100k_sha256sum_s: median(sumTimes), crate_64x100k_files: files.length };
  } finally {
    rmSync(join(runDir, '..'), { recursive: true, force: true });
  }
}
