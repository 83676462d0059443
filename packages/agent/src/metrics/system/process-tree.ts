import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PROC_PID_STAT_READ_BYTES, PROCESS_TREE_MAX_PROCESSES } from '../limits.js';
import type { KernelUnits } from './auxv.js';
import { ProcFile, readKernelFile } from './proc-file.js';

/** The fields of /proc/<pid>/stat the tree needs. */
export interface PidStat {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields start after the last ')'. */
export function parsePidStat(text: string): PidStat {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is stat field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
  const field = (statField: number) => Number(fields[statField - 3]);
  const stat = { pid, ppid: field(4), cpuTicks: field(14) + field(15), rssPages: field(24) };
  if (close < 0 || Object.values(stat).some((value) => !Number.isFinite(value))) {
    throw new Error(`not a /proc/<pid>/stat line: '${text.slice(0, 120)}'`);
  }
  return stat;
}

/** CPU and memory of a process tree between two calls. */
export interface ProcessTreeUsage {
  /** Processes of the tree alive now. */
  processCount: number;
  /** CPU time of the tree per wall-clock time, in % of one CPU (200 = two CPUs busy); null on the first call. */
  cpuPercent: number | null;
  residentBytes: number;
}

interface Member {
  /** Open on this process's stat: after the process exits it fails (ESRCH), even if its pid is reused. */
  file: ProcFile;
  lastCpuTicks: number;
}

/**
 * CPU and RSS of a root process and all its descendants, for the wrapper's child.
 *
 * Listing /proc is cheap; reading every /proc/<pid>/stat each time is not (~25 µs each), so each pid is
 * classified once, when first seen, as a member (its parent is a member) or not; a member is then read
 * through an open descriptor. A process keeps counting after its parent dies and it is re-parented,
 * because it was classified while its parent lived. CPU time a member used between the previous call
 * and its exit is not seen (it goes to its parent's cutime, which would double count the rest).
 */
export class ProcessTreeSampler {
  private readonly members = new Map<number, Member>();
  private readonly outsiders = new Set<number>();
  private lastTimeMs: number | null = null;
  /** The root joins once: after it exits, a new process reusing its pid is someone else's. */
  private rootJoined = false;

  constructor(
    private readonly procRoot: string,
    private readonly rootPid: number,
    private readonly units: KernelUnits,
  ) {}

  async sample(nowMs: number): Promise<ProcessTreeUsage> {
    const listed = new Set((await readdir(this.procRoot)).filter((name) => /^\d+$/.test(name)).map(Number));
    await this.forgetVanished(listed);
    const fresh = await this.classifyNew(listed);
    let cpuTicks = 0;
    let rssPages = 0;
    for (const [pid, member] of this.members) {
      let stat = fresh.get(pid);
      if (stat === undefined) {
        try {
          stat = parsePidStat(await member.file.read());
        } catch {
          await this.forget(pid);
          continue;
        }
      }
      cpuTicks += stat.cpuTicks - member.lastCpuTicks;
      member.lastCpuTicks = stat.cpuTicks;
      rssPages += stat.rssPages;
    }
    const elapsedS = this.lastTimeMs === null ? 0 : (nowMs - this.lastTimeMs) / 1000;
    this.lastTimeMs = nowMs;
    return {
      processCount: this.members.size,
      cpuPercent: elapsedS > 0 ? (cpuTicks / this.units.clockTicksPerSecond / elapsedS) * 100 : null,
      residentBytes: rssPages * this.units.pageSizeBytes,
    };
  }

  async close(): Promise<void> {
    for (const pid of [...this.members.keys()]) await this.forget(pid);
    this.outsiders.clear();
  }

  private async forgetVanished(listed: ReadonlySet<number>): Promise<void> {
    for (const pid of [...this.members.keys()]) if (!listed.has(pid)) await this.forget(pid);
    for (const pid of this.outsiders) if (!listed.has(pid)) this.outsiders.delete(pid);
  }

  private async forget(pid: number): Promise<void> {
    const member = this.members.get(pid);
    this.members.delete(pid);
    await member?.file.close();
  }

  /**
   * Reads the stat of pids never seen before and adds those whose parent is a member (or that are the
   * root) — parents first, so a child and grandchild born in the same interval both join. A new member
   * starts from zero CPU ticks: it was born within the last interval, so all its CPU time belongs to it.
   */
  private async classifyNew(listed: ReadonlySet<number>): Promise<Map<number, PidStat>> {
    const unknown = [...listed].filter((pid) => !this.members.has(pid) && !this.outsiders.has(pid));
    const stats = await Promise.all(
      unknown.map(async (pid) => {
        try {
          return parsePidStat((await readKernelFile(this.statPath(pid), PROC_PID_STAT_READ_BYTES)).toString('latin1'));
        } catch {
          return null; // exited between the listing and the read
        }
      }),
    );
    const pending = new Map(stats.filter((stat): stat is PidStat => stat !== null).map((stat) => [stat.pid, stat]));
    const joined = new Map<number, PidStat>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, stat] of pending) {
        const isMember = (pid === this.rootPid && !this.rootJoined) || this.members.has(stat.ppid);
        if (!isMember || this.members.size >= PROCESS_TREE_MAX_PROCESSES) continue;
        this.members.set(pid, { file: new ProcFile(this.statPath(pid), PROC_PID_STAT_READ_BYTES), lastCpuTicks: 0 });
        joined.set(pid, stat);
        pending.delete(pid);
        if (pid === this.rootPid) this.rootJoined = true;
        grew = true;
      }
    }
    for (const pid of pending.keys()) this.outsiders.add(pid);
    return joined;
  }

  private statPath(pid: number): string {
    return join(this.procRoot, String(pid), 'stat');
  }
}
