import { BYTES_PER_MEBIBYTE } from '../sample.js';
import type { GpuDeviceReading } from './device.js';

export const ROCM_SMI_ARGS: readonly string[] = [
  '--showuniqueid',
  '--showproductname',
  '--showuse',
  '--showmeminfo',
  'vram',
  '--showpower',
  '--showtemp',
  '--json',
];

type RocmCard = Record<string, unknown>;

/**
 * Parses `rocm-smi … --json`: `{"card0": {...}, "card1": {...}, "system": {...}}`, values mostly strings.
 * Key names changed across ROCm releases, so each metric tries the known spellings in order: power is
 * `Current Socket Graphics Package Power (W)` on ROCm 6 / MI300 and `Average Graphics Package Power (W)`
 * before; MI300 has only a junction temperature sensor.
 */
export function parseRocmSmiJson(text: string): GpuDeviceReading[] {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('rocm-smi printed JSON that is not an object');
  const devices: GpuDeviceReading[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const card = /^card(\d+)$/.exec(key);
    if (card === null || typeof value !== 'object' || value === null) continue;
    const fields = value as RocmCard;
    const usedBytes = numberField(fields, ['VRAM Total Used Memory (B)']);
    const totalBytes = numberField(fields, ['VRAM Total Memory (B)']);
    devices.push({
      index: Number(card[1]),
      uuid: rocrUuid(fields['Unique ID']),
      name: textField(fields, ['Card Series', 'Card series', 'Device Name', 'Card Model', 'Card model']) ?? 'unknown GPU',
      utilizationPercent: numberField(fields, ['GPU use (%)']),
      memoryUsedMiB: usedBytes === null ? null : usedBytes / BYTES_PER_MEBIBYTE,
      memoryTotalMiB: totalBytes === null ? null : totalBytes / BYTES_PER_MEBIBYTE,
      temperatureC: numberField(fields, ['Temperature (Sensor edge) (C)', 'Temperature (Sensor junction) (C)']),
      powerW: numberField(fields, ['Current Socket Graphics Package Power (W)', 'Average Graphics Package Power (W)']),
    });
  }
  return devices.sort((a, b) => a.index - b.index);
}

/**
 * ROCR_VISIBLE_DEVICES names a GPU as `GPU-` + its 64-bit unique id in 16 hex digits, the form rocminfo
 * prints; rocm-smi drops leading zeros (`0x4edfb117a17a07d`), so they are put back.
 */
function rocrUuid(uniqueId: unknown): string | null {
  if (typeof uniqueId !== 'string') return null;
  const match = /^0x([0-9a-fA-F]{1,16})$/.exec(uniqueId.trim());
  return match === null ? null : `GPU-${match[1]!.toLowerCase().padStart(16, '0')}`;
}

function numberField(fields: RocmCard, keys: readonly string[]): number | null {
  for (const key of keys) {
    const value = fields[key];
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (Number.isFinite(number)) return number;
  }
  return null;
}

function textField(fields: RocmCard, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = fields[key];
    if (typeof value === 'string' && value.trim() !== '' && value !== 'N/A') return value.trim();
  }
  return null;
}
