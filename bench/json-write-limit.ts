/**
 * The finalisation limit: `JSON.stringify` + `writeFile` of a plain object whose JSON is as long as a
 * job's output. The object holds what the output mostly holds — metric points as numbers (step, value,
 * epoch-ms timestamp) — so the limit formats as many doubles as finalisation does, not just copies text.
 */
import { writeFile } from 'node:fs/promises';
import { seconds } from './stats.js';

/** Points per inner array: small enough to build fast, large enough that the JSON is mostly numbers. */
const POINTS_PER_CHUNK = 1_000;

/** One chunk of points, flat: step, value, timestamp, step, value, … (all chunks have about the same JSON length). */
function chunk(index: number): number[] {
  const numbers = new Array<number>(3 * POINTS_PER_CHUNK);
  for (let k = 0; k < POINTS_PER_CHUNK; k++) {
    const step = 1_000_000 + index * POINTS_PER_CHUNK + k;
    numbers[3 * k] = step;
    numbers[3 * k + 1] = (step % 9973) / 7 + 1 / 3;
    numbers[3 * k + 2] = 1_700_000_000_000 + step;
  }
  return numbers;
}

/** A plain object whose JSON is `bytes` long, within one chunk. */
function plainObjectOf(bytes: number): number[][] {
  const chunkBytes = JSON.stringify(chunk(0)).length + 1;
  return Array.from({ length: Math.max(1, Math.round(bytes / chunkBytes)) }, (_, index) => chunk(index));
}

/** Seconds to JSON.stringify and write `bytes` of JSON to `path` (building the object is not timed). */
export async function stringifyWriteSeconds(bytes: number, path: string): Promise<number> {
  const object = plainObjectOf(bytes);
  let written = 0;
  const elapsed = await seconds(async () => {
    const text = JSON.stringify(object);
    written = text.length;
    await writeFile(path, text);
  });
  if (Math.abs(written - bytes) > bytes / 100) throw new Error(`bench: the limit wrote ${written} bytes for an output of ${bytes}`);
  return elapsed;
}
