// Run-directory claims on the real Slurm: the job key names the cluster, every task of a step gets the
// same run directory, and a claim an earlier job with the same id left (Slurm gives ids out again after
// its state is purged) gives way to a fresh run directory. The job start comes from squeue here: this
// Slurm (22.05) does not set SLURM_JOB_START_TIME.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { needs } from '../support/components.js';
import { REPO_ROOT, runCommand } from '../support/run-dir.js';
import { runBatchJob, slurmClusterName, slurmInstalled, startLocalSlurm } from './local-slurm.js';

const CLAIMS_SBATCH = join(REPO_ROOT, 'test/cluster/fixtures/claims.sbatch');

interface Claim {
  rank: number;
  jobKey: string;
  runDir: string;
  jobStart: number | null;
}

describe('Slurm: run-directory claims', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);

  test('4 tasks on 2 nodes: one key with the cluster name, one run directory, the purged job\'s claim not reused', async () => {
    const job = await runBatchJob({
      script: CLAIMS_SBATCH,
      sbatchOptions: ['-N', '2', '--ntasks-per-node=2'],
      env: { NODE_BIN: process.execPath },
    });
    const claims = job.output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Claim);
    assert.deepEqual(claims.map((claim) => claim.rank).sort(), [0, 1, 2, 3], job.output);
    const cluster = await slurmClusterName();
    assert.deepEqual(new Set(claims.map((claim) => claim.jobKey)), new Set([`slurm-${cluster}-${job.jobId}.0`]));
    // The planted claim named claims_0; every task claimed the same fresh directory instead.
    assert.deepEqual(new Set(claims.map((claim) => claim.runDir)), new Set([join(job.saveDir, 'claims_1')]));
    assert.deepEqual(readdirSync(job.saveDir).filter((name) => !name.startsWith('.')).sort(), ['claims_0', 'claims_1']);
    // Tasks that needed the job start all read the one slurmctld gives.
    const scontrol = await runCommand('scontrol', ['-o', 'show', 'job', job.jobId], { env: { ...process.env, SLURM_TIME_FORMAT: '%s' } });
    const start = Number(/ StartTime=(\d+) /.exec(scontrol.stdout)?.[1]) * 1000;
    assert.ok(start > 0, scontrol.stdout);
    for (const claim of claims) assert.equal(claim.jobStart, start, `rank ${claim.rank}`);
  });
});
