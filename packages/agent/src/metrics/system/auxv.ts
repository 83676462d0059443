import { endianness } from 'node:os';
import { join } from 'node:path';
import { readKernelFile } from './proc-file.js';

/** The kernel constants needed to read /proc/<pid>/stat: its times are in clock ticks, its RSS in pages. */
export interface KernelUnits {
  clockTicksPerSecond: number;
  pageSizeBytes: number;
}

/** Linux's values on x86-64 and most arm64 kernels; used when the auxiliary vector cannot be read. */
export const DEFAULT_KERNEL_UNITS: Readonly<KernelUnits> = { clockTicksPerSecond: 100, pageSizeBytes: 4096 };

const AT_NULL = 0n;
const AT_PAGESZ = 6n;
const AT_CLKTCK = 17n;
const AUXV_MAX_BYTES = 4096;

/**
 * Reads AT_CLKTCK and AT_PAGESZ from `<procRoot>/self/auxv` (what sysconf reads in C), so RSS is right on
 * arm64 nodes with 64 KiB pages without spawning `getconf`. Assumes a 64-bit process; values that do
 * not look like a clock rate or a page size fall back to DEFAULT_KERNEL_UNITS.
 */
export async function readKernelUnits(procRoot: string): Promise<KernelUnits> {
  let auxv: Buffer;
  try {
    auxv = await readKernelFile(join(procRoot, 'self/auxv'), AUXV_MAX_BYTES);
  } catch {
    return { ...DEFAULT_KERNEL_UNITS };
  }
  const word = (offset: number) => (endianness() === 'LE' ? auxv.readBigUInt64LE(offset) : auxv.readBigUInt64BE(offset));
  const units = { ...DEFAULT_KERNEL_UNITS };
  for (let offset = 0; offset + 16 <= auxv.length; offset += 16) {
    const type = word(offset);
    if (type === AT_NULL) break;
    const value = Number(word(offset + 8));
    if (type === AT_CLKTCK && value >= 1 && value <= 100_000) units.clockTicksPerSecond = value;
    if (type === AT_PAGESZ && value >= 1024 && value <= 1 << 24 && (value & (value - 1)) === 0) units.pageSizeBytes = value;
  }
  return units;
}
