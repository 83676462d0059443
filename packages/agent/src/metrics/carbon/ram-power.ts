/**
 * codecarbon 3.x's RAM power rule (external/ram.py, "New heuristic for RAM", v3.0.0): the DIMM count is
 * estimated from the memory size, each DIMM draws 5 W on x86 (1.5 W on ARM), with diminishing power per
 * DIMM beyond 4, 8 and 16 DIMMs, and at least 2 DIMMs' worth on x86 (3 W on ARM).
 */
export interface RamPowerEstimate {
  dimms: number;
  watts: number;
}

const BYTES_PER_GIB = 1024 ** 3;
const COMMON_DIMM_SIZES_GIB = [128, 64, 32, 16, 8, 4];
const MAX_DIMMS = 32;

export function estimateDimmCount(totalGiB: number): number {
  if (totalGiB <= 2) return 1;
  if (totalGiB <= 16) return 2;
  if (totalGiB <= 64) return 4;
  if (totalGiB <= 128) return 8;
  // Servers have at least 8 DIMMs: take the largest common size that still gives 8 or more.
  const size = COMMON_DIMM_SIZES_GIB.find((candidate) => candidate <= totalGiB / 8);
  return size === undefined ? 8 : Math.min(Math.ceil(totalGiB / size), MAX_DIMMS);
}

export function estimateRamPower(totalBytes: number, isArm: boolean): RamPowerEstimate {
  const dimms = estimateDimmCount(totalBytes / BYTES_PER_GIB);
  const perDimm = isArm ? 1.5 : 5;
  const minimum = isArm ? 3 : perDimm * 2;
  const tiers: readonly [upTo: number, factor: number][] = [
    [4, 1],
    [8, 0.9],
    [16, 0.8],
    [Infinity, 0.7],
  ];
  let watts = 0;
  let counted = 0;
  for (const [upTo, factor] of tiers) {
    const inTier = Math.min(dimms, upTo) - counted;
    if (inTier <= 0) break;
    watts += inTier * perDimm * factor;
    counted += inTier;
  }
  return { dimms, watts: Math.max(minimum, watts) };
}
