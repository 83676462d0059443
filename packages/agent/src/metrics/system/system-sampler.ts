import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { PROC_MEMINFO_READ_BYTES, PROC_STAT_READ_BYTES } from '../limits.js';
import { BYTES_PER_MEBIBYTE, Unit, type MetricSample } from '../sample.js';
import { readKernelUnits, type KernelUnits } from './auxv.js';
import { busyFraction, parseProcStatCpuLine, type CpuTimes } from './cpu-times.js';
import { memoryUsagePercent, parseMeminfo } from './meminfo.js';
import { ProcessTreeSampler } from './process-tree.js';
import { ProcFile } from './proc-file.js';

export interface SystemSamplerOptions {
  /** Where procfs is mounted; '/proc' on a real node, a fake tree in tests. */
  procRoot?: string;
  /** Filesystem whose usage is disk_usage; the original uses '/'. */
  diskPath?: string;
  /** Root of the process tree whose CPU and RSS are measured (the wrapper's child); null: none. */
  rootPid?: number | null;
  /** Clock ticks and page size; read from `<procRoot>/self/auxv` when not given. */
  kernelUnits?: KernelUnits;
}

/** Samples plus what could not be measured this time, one line each. */
export interface SamplesWithErrors {
  samples: MetricSample[];
  errors: string[];
}

/**
 * Node CPU, memory and disk usage plus the observed process tree's CPU and RSS:
 * `cpu_usage` % (busy share of all CPUs since the previous call), `memory_usage` % ((MemTotal −
 * MemAvailable) / MemTotal, psutil's), `disk_usage` % (psutil's used / (used + available to users)),
 * `process_cpu_usage` % of one CPU and `process_rss` MiB.
 */
export class SystemSampler {
  private previousCpu: CpuTimes | null = null;
  /** The latest CPU figures, repeated by a sample taken before a clock tick passed (every sample has them). */
  private latestBusy: number | null = null;
  private latestProcessCpu: number | null = null;

  private constructor(
    private readonly procStat: ProcFile,
    private readonly meminfo: ProcFile,
    private readonly diskPath: string,
    private readonly tree: ProcessTreeSampler | null,
  ) {}

  /** Takes the baseline reading, so the first sample's CPU figures cover the time since start. */
  static async start(options: SystemSamplerOptions, nowMs: number): Promise<SystemSampler> {
    const procRoot = options.procRoot ?? '/proc';
    const rootPid = options.rootPid ?? null;
    const units = options.kernelUnits ?? (await readKernelUnits(procRoot));
    const sampler = new SystemSampler(
      new ProcFile(join(procRoot, 'stat'), PROC_STAT_READ_BYTES),
      new ProcFile(join(procRoot, 'meminfo'), PROC_MEMINFO_READ_BYTES),
      options.diskPath ?? '/',
      rootPid === null ? null : new ProcessTreeSampler(procRoot, rootPid, units),
    );
    await sampler.sample(nowMs);
    return sampler;
  }

  async sample(nowMs: number): Promise<SamplesWithErrors> {
    const samples: MetricSample[] = [];
    const errors: string[] = [];
    const attempt = async (what: string, measure: () => Promise<void>) => {
      try {
        await measure();
      } catch (error) {
        errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    await attempt('cpu_usage', async () => {
      const cpu = parseProcStatCpuLine(await this.procStat.read());
      const busy = this.previousCpu === null ? null : busyFraction(this.previousCpu, cpu);
      this.previousCpu = cpu;
      // No tick since the previous sample: the latest figure, or before any the share since boot.
      this.latestBusy = busy ?? this.latestBusy ?? busyFraction({ busy: 0, total: 0 }, cpu);
      if (this.latestBusy !== null) samples.push({ name: 'cpu_usage', value: this.latestBusy * 100, unit: Unit.PERCENT, source: 'procfs' });
    });
    await attempt('memory_usage', async () => {
      const memory = parseMeminfo(await this.meminfo.read());
      samples.push({ name: 'memory_usage', value: memoryUsagePercent(memory), unit: Unit.PERCENT, source: 'procfs' });
    });
    await attempt('disk_usage', async () => {
      samples.push({ name: 'disk_usage', value: diskUsagePercent(await statfs(this.diskPath)), unit: Unit.PERCENT, source: 'statfs' });
    });
    const tree = this.tree;
    if (tree !== null) {
      await attempt('process tree', async () => {
        const usage = await tree.sample(nowMs);
        if (usage.processCount === 0) return;
        this.latestProcessCpu = usage.cpuPercent ?? this.latestProcessCpu;
        if (this.latestProcessCpu !== null) samples.push({ name: 'process_cpu_usage', value: this.latestProcessCpu, unit: Unit.PERCENT, source: 'procfs' });
        samples.push({ name: 'process_rss', value: usage.residentBytes / BYTES_PER_MEBIBYTE, unit: Unit.MEBIBYTES, source: 'procfs' });
      });
    }
    return { samples, errors };
  }

  async close(): Promise<void> {
    await Promise.all([this.procStat.close(), this.meminfo.close(), this.tree?.close()]);
  }
}

/** psutil's disk_usage percent: blocks reserved for root count neither as used nor as available. */
export function diskUsagePercent(stats: { blocks: number; bfree: number; bavail: number }): number {
  const used = stats.blocks - stats.bfree;
  const usable = used + stats.bavail;
  return usable === 0 ? 0 : (used / usable) * 100;
}
