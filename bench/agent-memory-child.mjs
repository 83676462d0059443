// Runs in a plain `node` child of bench/memory.ts, without the tsx loader the bench runs under, whose
// code and caches would count in the RSS measured. Logs POINTS points through the TypeScript API to the
// aggregator named by PROV4ML_AGGREGATOR, then prints its /proc/self/status before startRun, after
// startRun (before the first point) and after endRun, as one JSON object.
import { readFileSync } from 'node:fs';
import { Context, endRun, logMetric, startRun } from '@prov4ml/agent';

const points = Number(process.argv[2]);
const status = () => readFileSync('/proc/self/status', 'utf8');

const beforeStart = status();
await startRun({ provUserNamespace: 'www.example.org', experimentName: 'bench_memory' });
const beforeLogging = status();
for (let i = 0; i < points; i++) {
  logMetric('loss', i * 0.5, Context.TRAINING, i);
  // A training loop yields between steps (data loading, device syncs); this one does every 1000 points.
  if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
}
await endRun();
process.stdout.write(JSON.stringify({ beforeStart, beforeLogging, atEnd: status() }));
