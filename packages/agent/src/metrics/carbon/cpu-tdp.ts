import type { CpuInfo } from './cpu-info.js';
import { splitCsvLine } from './csv.js';

export interface CpuPowerEntry {
  name: string;
  /** Thermal design power of one socket, W. */
  tdpW: number;
}

/** Parses cpu_power.csv (`Name,TDP`); rows without a numeric TDP are skipped. */
export function parseCpuPowerCsv(text: string): CpuPowerEntry[] {
  const entries: CpuPowerEntry[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line === '') continue;
    const [name, tdp] = splitCsvLine(line);
    const tdpW = Number(tdp);
    if (name !== undefined && name !== '' && Number.isFinite(tdpW) && tdpW > 0) entries.push({ name, tdpW });
  }
  return entries;
}

/**
 * Finds a CPU model in the table with codecarbon's rule (reference §1.2), all case-insensitive:
 * 1. the model name equals a table name;
 * 2. the name without `(R)`, `(TM)`, ` CPU @ …`, ` CPU` and `@ x.xxGHz` equals a table name;
 * 3. exactly one table name whose words are a subset or superset of the cleaned name's words
 *    (rapidfuzz `token_set_ratio` = 100). Several candidates mean no match: `AMD EPYC` alone fits
 *    every EPYC, and picking one would invent a TDP.
 */
export function matchCpuModel(modelName: string, table: readonly CpuPowerEntry[]): CpuPowerEntry | null {
  const exact = modelName.trim().toLowerCase();
  const direct = table.find((entry) => entry.name.toLowerCase() === exact);
  if (direct !== undefined) return direct;
  const cleaned = cleanModelName(modelName);
  const cleanedMatch = table.find((entry) => entry.name.toLowerCase() === cleaned);
  if (cleanedMatch !== undefined) return cleanedMatch;
  const words = new Set(cleaned.split(' ').filter((word) => word !== ''));
  if (words.size === 0) return null;
  const candidates = table.filter((entry) => {
    const entryWords = new Set(entry.name.toLowerCase().split(/\s+/).filter((word) => word !== ''));
    return isSubset(words, entryWords) || isSubset(entryWords, words);
  });
  return candidates.length === 1 ? candidates[0]! : null;
}

function cleanModelName(modelName: string): string {
  let name = modelName.replace(/\((R|TM)\)/gi, '');
  const cpuAt = name.search(/ CPU @ /i);
  if (cpuAt > 0) name = name.slice(0, cpuAt);
  return name
    .replace(/ CPU\b/gi, '')
    .replace(/\s*@\s*\d+(\.\d+)?\s*GHz/gi, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function isSubset(small: ReadonlySet<string>, large: ReadonlySet<string>): boolean {
  if (small.size === 0) return false;
  for (const word of small) if (!large.has(word)) return false;
  return true;
}

/**
 * Watts a CPU draws per hardware thread when its model is unknown: codecarbon 3.x's
 * DEFAULT_POWER_PER_CORE (applied per thread, like its psutil.cpu_count()). Not multiplied by the
 * socket count, unlike codecarbon, because the thread count already covers every socket.
 */
export const DEFAULT_CPU_WATTS_PER_THREAD = 4;

/** The node's CPU power at full load, and how it was found. */
export interface CpuTdp {
  watts: number;
  source: 'tdp-table' | 'tdp-default';
  /** e.g. `TDP 150 W × 2 sockets (cpu_power.csv: Intel Xeon Gold 6248)`. */
  description: string;
}

export function nodeCpuTdp(cpu: CpuInfo, table: readonly CpuPowerEntry[]): CpuTdp {
  const match = cpu.modelName === null ? null : matchCpuModel(cpu.modelName, table);
  if (match !== null) {
    return {
      watts: match.tdpW * cpu.sockets,
      source: 'tdp-table',
      description: `TDP ${match.tdpW} W × ${cpu.sockets} socket(s) (cpu_power.csv: ${match.name})`,
    };
  }
  const why = cpu.modelName === null ? 'no CPU model name in /proc/cpuinfo' : `CPU '${cpu.modelName}' not found in cpu_power.csv`;
  return {
    watts: DEFAULT_CPU_WATTS_PER_THREAD * cpu.threads,
    source: 'tdp-default',
    description: `default ${DEFAULT_CPU_WATTS_PER_THREAD} W × ${cpu.threads} thread(s) (${why})`,
  };
}
