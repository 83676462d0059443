import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isUserError } from '@prov4ml/prov-core';
import {
  CarbonMeter,
  NodeEnergyMeter,
  RaplCounter,
  TrapezoidIntegrator,
  counterDeltaUj,
  describeCarbonAttribution,
  estimateRamPower,
  matchCpuModel,
  nodeCpuTdp,
  parseCpuPowerCsv,
  parseCpuinfo,
  planCarbonAttribution,
  resolveCarbonIntensity,
  type AttributionFacts,
  type CarbonIntensity,
  type CpuPowerEntry,
  type MetricSample,
} from '../../src/metrics/index.js';

const near = (actual: number | undefined, expected: number, tolerance = 1e-9) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `${actual} ≈ ${expected}`);
const byName = (samples: MetricSample[]) => new Map(samples.map((sample) => [sample.name, sample]));
const query = (countryIso: string | null, region: string | null = null, forcedGPerKWh: number | null = null) =>
  resolveCarbonIntensity({ countryIso, region, forcedGPerKWh });

let cpuTable: CpuPowerEntry[];
let scratch: string;
before(async () => {
  const tablePath = fileURLToPath(new URL('../../data/carbon/cpu_power.csv', import.meta.url));
  cpuTable = parseCpuPowerCsv(await readFile(tablePath, 'utf8'));
  scratch = await mkdtemp(join(tmpdir(), 'prov4ml-carbon-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

describe('carbon intensity from the shipped tables, offline', () => {
  test('country, US state by name or code, Canadian province, Nordic zone, forced, world average', async () => {
    assert.equal((await query('FRA')).gPerKWh, 56.039);
    // Rhode Island 870.822 lbs/MWh × 453.59237 g/lb ÷ 1000 kWh/MWh = 394.99821… g/kWh.
    near((await query('USA', 'rhode island')).gPerKWh, 394.99821482814, 1e-9);
    assert.equal((await query('USA', 'RI')).region, 'rhode island');
    // Quebec: 0.3 % petroleum × 816.6885263 + 0.2 % natural gas × 743.8415916 = 2.4501 + 1.4877 = 3.93775 g/kWh.
    near((await query('CAN', 'Quebec')).gPerKWh, 3.9377487621, 1e-9);
    assert.equal((await query('SWE', 'se3')).gPerKWh, 18);
    assert.equal((await query('FIN', 'FI')).gPerKWh, 72);
    const forced = await query('FRA', null, 123);
    assert.deepEqual([forced.gPerKWh, forced.basis], [123, 'forced']);
    const world = await query(null);
    assert.deepEqual([world.gPerKWh, world.basis], [475, 'world-average']);
  });

  test("a region of a country without a regional table is ignored, and the source says so", async () => {
    const france = await query('FRA', 'ile-de-france');
    assert.equal(france.gPerKWh, 56.039);
    assert.match(france.source, /region 'ile-de-france' ignored/);
  });

  test("CAF's zero intensity is computed from its mix: 0.15 TWh of hydro × 26 g/kWh ÷ 0.15 TWh = 26 g/kWh", async () => {
    near((await query('CAF')).gPerKWh, 26, 1e-9);
  });

  test('an unknown country or region is the user\'s mistake, naming the variable', async () => {
    await assert.rejects(query('XYZ'), (error: unknown) => isUserError(error) && /PROV4ML_COUNTRY='XYZ'/.test(error.message));
    await assert.rejects(query('USA', 'atlantis'), (error: unknown) => isUserError(error) && /PROV4ML_REGION='atlantis'/.test(error.message));
    await assert.rejects(query(null, 'quebec'), (error: unknown) => isUserError(error) && /PROV4ML_REGION='quebec' needs PROV4ML_COUNTRY/.test(error.message));
    await assert.rejects(query('NOR', 'SE1'), (error: unknown) => isUserError(error) && /known: NO1, NO2/.test(error.message));
  });
});

describe('energy and emissions', () => {
  const france: CarbonIntensity = { gPerKWh: 56.039, basis: 'country', countryIso: 'FRA', region: null, source: 'test' };

  test('300 W for one hour in France: 1.08 MJ = 0.3 kWh → 0.3 × 56.039 = 16.8117 gCO2eq, 0.00466992 g/s', async () => {
    const meter = new CarbonMeter({ intensity: france, node: null, recordsGpuEnergy: true, gpuSource: 'nvidia-smi' }, 0);
    meter.addGpuPower(0, 300);
    meter.addGpuPower(1_800_000, 300);
    meter.addGpuPower(3_600_000, 300);
    const reading = await meter.measure(3_600_000);
    // 300 W × 3600 s = 1 080 000 J; ÷ 3 600 000 J/kWh = 0.3 kWh.
    near(reading.cumulativeJ.gpu, 1_080_000);
    near(reading.cumulativeEmissionsG, 16.8117, 1e-9);
    near(reading.emissionsRateGPerS ?? undefined, 16.8117 / 3600, 1e-12);
    const samples = byName(meter.samples(reading));
    assert.deepEqual(samples.get('emissions'), { name: 'emissions', value: reading.cumulativeEmissionsG, unit: 'gCO2eq', source: '56.039 gCO2eq/kWh (FRA)' });
    near(samples.get('energy_consumed_kwh')?.value, 0.3, 1e-12);
    assert.equal(samples.get('energy_consumed')?.unit, 'J');
    near(samples.get('gpu_power')?.value, 300);
    assert.equal(samples.has('cpu_power'), false, 'no node meter on this rank: no CPU or RAM samples');

    // A second half hour at 300 → 500 W: trapezoid (300 + 500) / 2 × 1800 s = 720 000 J = 0.2 kWh → 11.2078 g more.
    meter.addGpuPower(5_400_000, 500);
    const second = await meter.measure(5_400_000);
    near(second.intervalJ.gpu, 720_000);
    near(second.cumulativeEmissionsG, 16.8117 + 11.2078, 1e-9);
    near(second.powerW.gpu ?? undefined, 400);
  });

  test('the trapezoid skips a gap linearly and ignores out-of-order points', () => {
    const integrator = new TrapezoidIntegrator();
    integrator.addPoint(0, 100);
    integrator.addPoint(10_000, 300); // (100 + 300) / 2 × 10 s = 2000 J
    integrator.addPoint(5_000, 1_000_000); // older than the last point: ignored
    assert.equal(integrator.takeJoules(), 2000);
    assert.equal(integrator.takeJoules(), 0);
  });
});

describe('CPU power', () => {
  test('RAPL counter deltas, with wrap-around at max_energy_range_uj', () => {
    assert.equal(counterDeltaUj(1_000, 5_000, 262_143_328_850), 4_000);
    // 262 143 328 850 − 262 142 328 850 = 1 000 000 µJ to the top, then 4 000 000 µJ after the wrap.
    assert.equal(counterDeltaUj(262_142_328_850, 4_000_000, 262_143_328_850), 5_000_000);
  });

  test('a fake RAPL sysfs tree whose package-0 counter wraps, read by the node meter over 10 s', async () => {
    const root = join(scratch, 'rapl-root');
    const powercap = join(root, 'sys/class/powercap');
    const zone = async (name: string, zoneName: string, energyUj: number) => {
      await mkdir(join(powercap, name), { recursive: true });
      await writeFile(join(powercap, name, 'name'), `${zoneName}\n`);
      await writeFile(join(powercap, name, 'energy_uj'), `${energyUj}\n`);
      await writeFile(join(powercap, name, 'max_energy_range_uj'), '262143328850\n');
    };
    await zone('intel-rapl:0', 'package-0', 262_142_328_850);
    await zone('intel-rapl:0:0', 'core', 5); // inside package-0: must not be added
    await zone('intel-rapl:1', 'package-1', 10_000_000);
    const procRoot = join(scratch, 'proc-for-rapl');
    await mkdir(procRoot, { recursive: true });
    await writeFile(join(procRoot, 'meminfo'), 'MemTotal:       33554432 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n');

    const meter = await NodeEnergyMeter.start({ procRoot, raplRoot: root, isArm: false }, 0);
    assert.equal(meter.cpuSource, 'rapl');
    assert.match(meter.cpuMethod, /RAPL counters package-0, package-1/);
    await writeFile(join(powercap, 'intel-rapl:0', 'energy_uj'), '4000000\n');
    await writeFile(join(powercap, 'intel-rapl:1', 'energy_uj'), '12500000\n');
    await writeFile(join(powercap, 'intel-rapl:0:0', 'energy_uj'), '999999999\n');
    const energy = await meter.measure(10_000);
    // package-0 wrapped: 5 000 000 µJ; package-1: 2 500 000 µJ; 7.5 J in 10 s = 0.75 W.
    near(energy.cpu.joules, 7.5);
    near(energy.cpu.watts, 0.75);
    // MemTotal 32 GiB → 4 DIMMs × 5 W = 20 W; × 10 s = 200 J.
    assert.deepEqual(energy.ram, { joules: 200, watts: 20 });
    await meter.close();
  });

  test('no powercap directory: RAPL is unavailable, with the reason', async () => {
    const counter = await RaplCounter.open(join(scratch, 'no-such-root'));
    assert.ok(!(counter instanceof RaplCounter));
    assert.match(counter.unavailable, /no .*sys\/class\/powercap/);
  });

  test('TDP table matching on real model strings', () => {
    assert.deepEqual(matchCpuModel('Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz', cpuTable), { name: 'Intel Xeon Gold 6248', tdpW: 150 });
    assert.deepEqual(matchCpuModel('AMD EPYC 7763 64-Core Processor', cpuTable), { name: 'AMD EPYC 7763', tdpW: 280 });
    assert.equal(matchCpuModel('AMD EPYC', cpuTable), null, '"AMD EPYC" fits every EPYC: no single match');
    const twoSockets = parseCpuinfo(
      ['processor\t: 0', 'model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz', 'physical id\t: 0', '', 'processor\t: 1', 'physical id\t: 1', ''].join('\n'),
    );
    // 150 W per socket × 2 sockets = 300 W.
    assert.deepEqual(nodeCpuTdp(twoSockets, cpuTable).watts, 300);
  });

  test('a CPU name not in the table (this VM\'s "AMD EPYC"): 4 W per thread, × load with a 10 % floor', async () => {
    const procRoot = join(scratch, 'proc-unknown-cpu');
    await mkdir(procRoot, { recursive: true });
    await writeFile(join(procRoot, 'cpuinfo'), 'processor\t: 0\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\n\n');
    await writeFile(join(procRoot, 'meminfo'), 'MemTotal:       25165824 kB\nMemAvailable:   20000000 kB\n');
    // user nice system idle iowait irq softirq steal: busy = 100+0+50+0+0+0 = 150, total = 150 + 800 + 50 = 1000.
    await writeFile(join(procRoot, 'stat'), 'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n');
    const meter = await NodeEnergyMeter.start({ procRoot, raplRoot: join(scratch, 'no-such-root'), isArm: false }, 0);
    assert.equal(meter.cpuSource, 'tdp-default');
    assert.match(meter.cpuMethod, /default 4 W × 2 thread\(s\) \(CPU 'AMD EPYC' not found in cpu_power\.csv\)/);
    // Next reading: busy 150 → 300 (+150), total 1000 → 1600 (+600): load 25 %; TDP 2 × 4 W = 8 W → 2 W × 10 s = 20 J.
    await writeFile(join(procRoot, 'stat'), 'cpu  200 0 100 1250 50 0 0 0 0 0\n');
    near((await meter.measure(10_000)).cpu.joules, 20);
    // Then an idle 10 s: busy +6 of total +600 = 1 % < 10 % floor → 0.8 W × 10 s = 8 J.
    await writeFile(join(procRoot, 'stat'), 'cpu  206 0 100 1844 50 0 0 0 0 0\n');
    near((await meter.measure(20_000)).cpu.joules, 8);
    // 24 GiB → 4 DIMMs × 5 W = 20 W.
    assert.equal(meter.ramWatts, 20);
    await meter.close();
  });
});

describe('RAM power by DIMM count (codecarbon 3.x rule)', () => {
  const gib = 1024 ** 3;
  test('sizes across the tiers', () => {
    assert.deepEqual(estimateRamPower(8 * gib, false), { dimms: 2, watts: 10 });
    assert.deepEqual(estimateRamPower(24 * gib, false), { dimms: 4, watts: 20 });
    // 128 GiB → 8 DIMMs: 4 × 5 W + 4 × 4.5 W = 38 W.
    assert.deepEqual(estimateRamPower(128 * gib, false), { dimms: 8, watts: 38 });
    // 2 TiB → 128 GiB DIMMs (≤ 2048/8): 16 DIMMs: 20 + 18 + 8 × 4 = 70 W.
    assert.deepEqual(estimateRamPower(2048 * gib, false), { dimms: 16, watts: 70 });
    // ARM: 4 DIMMs × 1.5 W = 6 W.
    assert.deepEqual(estimateRamPower(24 * gib, true), { dimms: 4, watts: 6 });
    // 1 GiB on x86: 1 DIMM × 5 W, raised to the 2-DIMM minimum of 10 W.
    assert.deepEqual(estimateRamPower(1 * gib, false), { dimms: 1, watts: 10 });
  });
});

describe('attribution: a node counted once', () => {
  const node = { cpuMethod: 'CPU from RAPL counters package-0', ramMethod: 'RAM 20 W: 4 DIMM(s)' };
  test('local rank 0 records the node; other ranks record their own GPUs only with a device list', () => {
    assert.deepEqual(planCarbonAttribution({ localRank: 0, hasGpuList: false }), { recordsNodeEnergy: true, recordsGpuEnergy: true });
    assert.deepEqual(planCarbonAttribution({ localRank: 3, hasGpuList: true }), { recordsNodeEnergy: false, recordsGpuEnergy: true });
    assert.deepEqual(planCarbonAttribution({ localRank: 3, hasGpuList: false }), { recordsNodeEnergy: false, recordsGpuEnergy: false });
  });

  test('each rank says how its share was computed', () => {
    const facts: AttributionFacts = {
      plan: { recordsNodeEnergy: true, recordsGpuEnergy: true },
      hostname: 'gpu01',
      node,
      gpuTool: 'nvidia-smi',
      gpuCount: 4,
      gpuListVariable: null,
    };
    const rank0 = describeCarbonAttribution(facts);
    assert.match(rank0, /^Node energy of host gpu01, measured once by local rank 0 and recorded only in this document: CPU from RAPL/);
    assert.match(rank0, /all 4 GPU\(s\) of the node/);
    const rank3 = describeCarbonAttribution({
      ...facts,
      plan: { recordsNodeEnergy: false, recordsGpuEnergy: true },
      node: null,
      gpuCount: 1,
      gpuListVariable: 'CUDA_VISIBLE_DEVICES',
    });
    assert.match(rank3, /^CPU and RAM energy of host gpu01 is recorded once, in local rank 0's document, not here\. GPU energy: this rank's 1 GPU\(s\) chosen by CUDA_VISIBLE_DEVICES/);
    const idle = describeCarbonAttribution({ ...facts, plan: { recordsNodeEnergy: false, recordsGpuEnergy: false }, node: null });
    assert.match(idle, /^This rank records no energy/);
  });
});
