// A stand-alone aggregator for one job, in a plain `node` child (without tsx, whose loader would count
// in its RSS), so the bench can read its own peak RSS: `node aggregator-child.mjs JOB_KEY WORLD_SIZE
// [BIND [CURVE_KEY_PAIR_JSON]]` (default bind tcp://127.0.0.1:0, plain transport).
// Prints its endpoint on the first line and, once the job is finalised, a JSON line: the points it wrote,
// the copies of frames it already had (resent while their acks were on the way), its CPU time (all its
// threads) and its /proc/self/status, whose VmHWM is the peak RSS of receiving and finalising the job.
import { readFileSync } from 'node:fs';
import { startAggregator } from '@prov4ml/aggregator';

const [jobKey, worldSize] = [process.argv[2], Number(process.argv[3])];
const [bind, curve] = [process.argv[4] ?? 'tcp://127.0.0.1:0', process.argv[5] === undefined ? undefined : JSON.parse(process.argv[5])];
const aggregator = await startAggregator({ bind, worldSize, jobKey, curve });
process.stdout.write(`${aggregator.endpoint}\n`);
let result;
try {
  result = await aggregator.finalized;
} finally {
  await aggregator.shutdown();
}
const points = result.ranks.reduce((sum, rank) => sum + rank.points, 0);
process.stdout.write(`${JSON.stringify({ points, copies: aggregator.dropCounts().duplicate, cpu: process.cpuUsage(), status: readFileSync('/proc/self/status', 'utf8') })}\n`);
