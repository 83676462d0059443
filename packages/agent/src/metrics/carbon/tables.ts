import { readFile } from 'node:fs/promises';

/**
 * The codecarbon tables shipped in `packages/agent/data/carbon/` (provenance and license in its
 * SOURCES.md). This module sits at the same depth under `src/` and `dist/`, so one relative URL
 * finds them in the repository and in the published package. Read on first use, then kept.
 */
const TABLES_DIRECTORY = new URL('../../../data/carbon/', import.meta.url);

export type CarbonTableFile =
  | 'global_energy_mix.json'
  | 'carbon_intensity_per_source.json'
  | 'usa_emissions.json'
  | 'canada_energy_mix.json'
  | 'nordic_emissions.json'
  | 'cpu_power.csv';

const loaded = new Map<CarbonTableFile, Promise<string>>();

export function readCarbonTable(file: CarbonTableFile): Promise<string> {
  let text = loaded.get(file);
  if (text === undefined) {
    text = readFile(new URL(file, TABLES_DIRECTORY), 'utf8');
    // A failed read is not cached, so a later call can succeed once the file is there.
    text.catch(() => loaded.delete(file));
    loaded.set(file, text);
  }
  return text;
}

export async function readJsonCarbonTable(file: CarbonTableFile): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readCarbonTable(file));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file} is not a JSON object`);
  return parsed as Record<string, unknown>;
}
