import { join } from 'node:path';
import { PROC_CPUINFO_READ_BYTES, PROC_MEMINFO_READ_BYTES, PROC_STAT_READ_BYTES } from '../limits.js';
import { busyFraction, parseProcStatCpuLine, type CpuTimes } from '../system/cpu-times.js';
import { parseMeminfo } from '../system/meminfo.js';
import { ProcFile, readKernelFile } from '../system/proc-file.js';
import { parseCpuinfo } from './cpu-info.js';
import { nodeCpuTdp, parseCpuPowerCsv } from './cpu-tdp.js';
import { RaplCounter } from './rapl.js';
import { estimateRamPower } from './ram-power.js';
import { readCarbonTable } from './tables.js';

export interface NodeEnergyMeterOptions {
  /** Where procfs is mounted; '/proc' on a real node. */
  procRoot?: string;
  /** Directory holding `sys/class/powercap` (PROV4ML_RAPL_ROOT); '/' on a real node. */
  raplRoot?: string;
  /** ARM memory draws less per DIMM; default: this process's architecture. */
  isArm?: boolean;
}

export interface ComponentEnergy {
  joules: number;
  /** Mean power over the interval. */
  watts: number;
}

/** The node's CPU and RAM energy over one interval. */
export interface NodeEnergy {
  seconds: number;
  cpu: ComponentEnergy;
  ram: ComponentEnergy;
}

/** Where CPU energy comes from: RAPL's counters, or the TDP scaled by the node's load from /proc/stat. */
type CpuEnergySource = { kind: 'rapl'; counter: RaplCounter } | { kind: 'load'; tdpWatts: number; procStat: ProcFile };

/** Share of TDP drawn by an idle CPU in load mode (codecarbon 3.0's floor): idle cores are not free. */
export const CPU_IDLE_POWER_FRACTION = 0.1;

/**
 * The whole node's CPU and RAM energy, meant to run once per node (on local rank 0) so that ranks
 * sharing a node do not count it once each.
 *
 * CPU: RAPL package counters when readable; else TDP × max(node CPU load, 10 %) with the TDP from
 * cpu_power.csv × sockets, or 4 W per hardware thread for a CPU the table does not know.
 * RAM: a constant power from the DIMM-count rule (ram-power.ts) for the node's MemTotal.
 */
export class NodeEnergyMeter {
  private previousCpu: CpuTimes | null = null;
  private lastMs: number;

  private constructor(
    private readonly cpu: CpuEnergySource,
    /** 'rapl', 'tdp-table' or 'tdp-default': the cpu_power / cpu_energy samples' source. */
    readonly cpuSource: string,
    /** How CPU energy is found, in words, for the attribution. */
    readonly cpuMethod: string,
    readonly ramWatts: number,
    readonly ramMethod: string,
    startMs: number,
  ) {
    this.lastMs = startMs;
  }

  static async start(options: NodeEnergyMeterOptions, nowMs: number): Promise<NodeEnergyMeter> {
    const procRoot = options.procRoot ?? '/proc';
    const isArm = options.isArm ?? (process.arch === 'arm64' || process.arch === 'arm');
    const memory = parseMeminfo((await readKernelFile(join(procRoot, 'meminfo'), PROC_MEMINFO_READ_BYTES)).toString('latin1'));
    const ram = estimateRamPower(memory.totalBytes, isArm);
    const gib = (memory.totalBytes / 1024 ** 3).toFixed(1);
    const ramMethod = `RAM ${ram.watts} W: ${ram.dimms} DIMM(s) estimated from ${gib} GiB (codecarbon 3.x per-DIMM rule${isArm ? ', ARM' : ''})`;
    const rapl = await RaplCounter.open(options.raplRoot ?? '/');
    if (rapl instanceof RaplCounter) {
      return new NodeEnergyMeter({ kind: 'rapl', counter: rapl }, 'rapl', `CPU from RAPL counters ${rapl.domainNames.join(', ')}`, ram.watts, ramMethod, nowMs);
    }
    const cpu = parseCpuinfo((await readKernelFile(join(procRoot, 'cpuinfo'), PROC_CPUINFO_READ_BYTES)).toString('latin1'));
    const tdp = nodeCpuTdp(cpu, parseCpuPowerCsv(await readCarbonTable('cpu_power.csv')));
    const method = `CPU from ${tdp.description} × node CPU load, at least ${CPU_IDLE_POWER_FRACTION * 100} % (RAPL unavailable: ${rapl.unavailable})`;
    const procStat = new ProcFile(join(procRoot, 'stat'), PROC_STAT_READ_BYTES);
    const meter = new NodeEnergyMeter({ kind: 'load', tdpWatts: tdp.watts, procStat }, tdp.source, method, ram.watts, ramMethod, nowMs);
    meter.previousCpu = parseProcStatCpuLine(await procStat.read());
    return meter;
  }

  /** Energy since the previous call (or since start). */
  async measure(nowMs: number): Promise<NodeEnergy> {
    const seconds = Math.max(0, (nowMs - this.lastMs) / 1000);
    this.lastMs = nowMs;
    const cpu = this.cpu;
    const cpuJoules = cpu.kind === 'rapl' ? await cpu.counter.joulesSinceLastRead() : cpu.tdpWatts * (await this.loadSinceLastRead(cpu.procStat)) * seconds;
    const ramJoules = this.ramWatts * seconds;
    return {
      seconds,
      cpu: { joules: cpuJoules, watts: seconds > 0 ? cpuJoules / seconds : 0 },
      ram: { joules: ramJoules, watts: seconds > 0 ? this.ramWatts : 0 },
    };
  }

  async close(): Promise<void> {
    await (this.cpu.kind === 'rapl' ? this.cpu.counter.close() : this.cpu.procStat.close());
  }

  private async loadSinceLastRead(procStat: ProcFile): Promise<number> {
    const current = parseProcStatCpuLine(await procStat.read());
    const busy = this.previousCpu === null ? null : busyFraction(this.previousCpu, current);
    this.previousCpu = current;
    return Math.max(busy ?? 0, CPU_IDLE_POWER_FRACTION);
  }
}
