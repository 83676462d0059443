/** Fixed-width text for watch's columns: short numbers, SI prefixes, durations, padding that never overflows. */

const PREFIXES = ['', 'k', 'M', 'G', 'T'];

/** A rate or count in at most 6 characters: 8.6, 412, 12.3k, 1.23M. */
export function compact(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (Math.abs(value) < 10) return value.toFixed(1);
  if (Math.abs(value) < 1000) return value.toFixed(0);
  return withPrefix(value, '');
}

/** A quantity with an SI prefix and its unit: 12.3 kJ, 0.412 g. */
export function quantity(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (Math.abs(value) < 1000) return `${Number(value.toPrecision(3))} ${unit}`;
  return withPrefix(value, unit);
}

function withPrefix(value: number, unit: string): string {
  let scaled = value;
  let index = 0;
  while (Math.abs(scaled) >= 1000 && index < PREFIXES.length - 1) {
    scaled /= 1000;
    index++;
  }
  return `${Number(scaled.toPrecision(3))}${unit === '' ? '' : ' '}${PREFIXES[index]}${unit}`;
}

/** A metric's value in at most 9 characters: 0.1234, 1235, 1.23e+6. */
export function metricValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** 00:01:23, or 1d 02:03:04 past a day. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60].map((part) => String(part).padStart(2, '0')).join(':');
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** 42s, 12m, 3h: how long ago, in at most 4 characters. */
export function shortAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 100) return `${seconds}s`;
  if (seconds < 6000) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

/** `text` in exactly `width` characters: cut with '…' when longer, padded when shorter. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return width === 1 ? '…' : `${chars.slice(0, width - 1).join('')}…`;
  return align === 'left' ? text.padEnd(width + text.length - chars.length) : text.padStart(width + text.length - chars.length);
}

/** `text` cut to at most `width` characters (no padding): for whole lines. */
export function clip(text: string, width: number): string {
  return [...text].length > width ? fit(text, width) : text;
}
