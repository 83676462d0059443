// Runs in a plain `node` child of bench/metrics.ts, without the tsx loader the bench runs under, because
// the agent runs compiled JavaScript: tsx's module hooks add ~1 ms of CPU per sample that the agent never
// pays. Prints one JSON object of figures on stdout.
import { readFile } from 'node:fs/promises';
import { DEFAULT_METRICS_OPTIONS, MetricsCollector } from '@prov4ml/agent';

const [fakeNvidiaSmi, warmup, measured] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

/** CPU time of this process's waited-for children (cutime + cstime of /proc/self/stat, 100 ticks/s), ms. */
async function childrenCpuMs() {
  const stat = await readFile('/proc/self/stat', 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const collector = await MetricsCollector.start({
  ...DEFAULT_METRICS_OPTIONS,
  countryIso: 'FRA',
  localRank: 0,
  hostname: 'bench',
  rootPid: process.pid,
  nvidiaSmiCommand: fakeNvidiaSmi,
});
for (let i = 0; i < warmup; i++) await collector.sample('all');
const childrenBefore = await childrenCpuMs();
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
let values = 0;
for (let i = 0; i < measured; i++) {
  const snapshot = await collector.sample('all');
  if (snapshot.errors.length > 0) throw new Error(`bench sample failed: ${snapshot.errors.join('; ')}`);
  values += snapshot.system.length + snapshot.gpu.length + snapshot.carbon.length;
}
const wallMs = performance.now() - wallBefore;
const cpu = process.cpuUsage(cpuBefore);
const childrenMs = (await childrenCpuMs()) - childrenBefore;
await collector.close();
process.stdout.write(
  JSON.stringify({
    sample_cpu_ms: (cpu.user + cpu.system) / 1000 / measured,
    sample_gpu_tool_child_cpu_ms: childrenMs / measured,
    sample_wall_ms: wallMs / measured,
    sample_values_per_sample: values / measured,
  }),
);
