import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SYSFS_ATTRIBUTE_READ_BYTES } from '../limits.js';
import { ProcFile, readKernelFile } from '../system/proc-file.js';

interface RaplDomain {
  name: string;
  energy: ProcFile;
  maxEnergyRangeUj: number;
  lastUj: number;
}

/** µJ a counter advanced from `previousUj` to `currentUj`; a counter below its previous value wrapped at `maxRangeUj`. */
export function counterDeltaUj(previousUj: number, currentUj: number, maxRangeUj: number): number {
  return currentUj >= previousUj ? currentUj - previousUj : currentUj + maxRangeUj - previousUj;
}

/**
 * CPU package energy from Intel RAPL (also AMD since Linux 5.8): the top-level zones
 * `<root>/sys/class/powercap/intel-rapl:N` named `package-*`, or `psys` when there is no package zone.
 * Sub-zones (core, uncore, dram) are left out, as codecarbon does by default: they are inside the
 * package figure, and RAM is estimated separately.
 */
export class RaplCounter {
  private constructor(private readonly domains: RaplDomain[]) {}

  /** Domain names, e.g. ['package-0', 'package-1']. */
  get domainNames(): string[] {
    return this.domains.map((domain) => domain.name);
  }

  /**
   * Opens the counters and takes their first reading; resolves to a reason instead when RAPL is absent or
   * unreadable (since the CVE-2020-8694 fix, energy_uj is readable by root only unless the admin relaxed it).
   */
  static async open(root: string): Promise<RaplCounter | { unavailable: string }> {
    const powercap = join(root, 'sys/class/powercap');
    let zones: string[];
    try {
      zones = (await readdir(powercap)).filter((entry) => /^intel-rapl:\d+$/.test(entry)).sort();
    } catch {
      return { unavailable: `no ${powercap}` };
    }
    const named = await Promise.all(
      zones.map(async (zone) => ({ zone, name: (await readAttribute(join(powercap, zone, 'name')).catch(() => '')).trim() })),
    );
    const packages = named.filter(({ name }) => name.startsWith('package'));
    const chosen = packages.length > 0 ? packages : named.filter(({ name }) => name === 'psys');
    if (chosen.length === 0) return { unavailable: `no package or psys zone under ${powercap}` };
    const domains: RaplDomain[] = [];
    for (const { zone, name } of chosen) {
      const energyPath = join(powercap, zone, 'energy_uj');
      const energy = new ProcFile(energyPath, SYSFS_ATTRIBUTE_READ_BYTES);
      try {
        const maxEnergyRangeUj = Number(await readAttribute(join(powercap, zone, 'max_energy_range_uj')));
        const lastUj = Number(await energy.read());
        if (!Number.isFinite(maxEnergyRangeUj) || !Number.isFinite(lastUj)) throw new Error(`${energyPath} is not a number`);
        domains.push({ name, energy, maxEnergyRangeUj, lastUj });
      } catch (error) {
        await Promise.all([energy.close(), ...domains.map((domain) => domain.energy.close())]);
        const code = (error as NodeJS.ErrnoException).code;
        return { unavailable: code === 'EACCES' ? `${energyPath} is readable by root only` : `cannot read ${energyPath}: ${String(error)}` };
      }
    }
    return new RaplCounter(domains);
  }

  /** Joules used by all chosen domains since the previous call (or since open). */
  async joulesSinceLastRead(): Promise<number> {
    let microjoules = 0;
    for (const domain of this.domains) {
      const currentUj = Number(await domain.energy.read());
      if (!Number.isFinite(currentUj)) throw new Error(`RAPL ${domain.name} energy_uj is not a number`);
      microjoules += counterDeltaUj(domain.lastUj, currentUj, domain.maxEnergyRangeUj);
      domain.lastUj = currentUj;
    }
    return microjoules / 1e6;
  }

  async close(): Promise<void> {
    await Promise.all(this.domains.map((domain) => domain.energy.close()));
  }
}

async function readAttribute(path: string): Promise<string> {
  return (await readKernelFile(path, SYSFS_ATTRIBUTE_READ_BYTES)).toString('latin1');
}
