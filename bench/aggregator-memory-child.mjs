// Runs in a plain `node` child of bench/memory.ts (without tsx, whose loader would count in its RSS): a
// stand-alone aggregator for one job of one rank. Prints its endpoint on the first line and, once the job
// is finalised, a JSON line: the points it wrote and its /proc/self/status, whose VmHWM is the peak RSS
// of receiving and finalising the job.
import { readFileSync } from 'node:fs';
import { startAggregator } from '@prov4ml/aggregator';

const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', worldSize: 1, jobKey: process.argv[2] });
process.stdout.write(`${aggregator.endpoint}\n`);
let result;
try {
  result = await aggregator.finalized;
} finally {
  await aggregator.shutdown();
}
const points = result.ranks.reduce((sum, rank) => sum + rank.points, 0);
process.stdout.write(`${JSON.stringify({ points, status: readFileSync('/proc/self/status', 'utf8') })}\n`);
