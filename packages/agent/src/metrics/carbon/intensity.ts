import { UserError } from '@prov4ml/prov-core';
import { readJsonCarbonTable } from './tables.js';

/** Grams of CO2-equivalent emitted per kWh drawn, and where the figure came from. */
export interface CarbonIntensity {
  gPerKWh: number;
  /** Which rule chose the value. */
  basis: 'forced' | 'region' | 'country' | 'world-average';
  countryIso: string | null;
  region: string | null;
  /** One line naming the table (or the forced value) and the entry used. */
  source: string;
}

export interface CarbonIntensityQuery {
  /** ISO 3166 alpha-3, upper case (PROV4ML_COUNTRY). */
  countryIso: string | null;
  /** A US state (name or code), Canadian province, or Nordic bidding zone (PROV4ML_REGION). */
  region: string | null;
  /** Forced value in gCO2eq/kWh (PROV4ML_CARBON_INTENSITY). */
  forcedGPerKWh: number | null;
}

/** codecarbon's per-fuel factors for the Canadian provincial mix, kgCO2eq/kWh; other sources count as 0. */
const CANADA_FOSSIL_KG_PER_KWH = { coal: 0.995725971, petroleum: 0.8166885263, naturalGas: 0.7438415916 } as const;
const GRAMS_PER_POUND = 453.59237;
const KWH_PER_MWH = 1000;
const NORDIC_ZONE_COUNTRY: Record<string, string> = { SE: 'SWE', NO: 'NOR', FI: 'FIN' };

/**
 * The carbon intensity for the configured location, offline, in codecarbon's order: a forced value; a
 * region where a regional table exists (USA states, Canadian provinces, Nordic zones); the country's
 * value in global_energy_mix.json (or its mix, where that value is 0); else the world average of 475 g/kWh. A region of a country without
 * a regional table is ignored, and the source says so. An unknown country, or an unknown region of a
 * country that has a regional table, is the user's mistake.
 */
export async function resolveCarbonIntensity(query: CarbonIntensityQuery): Promise<CarbonIntensity> {
  const { countryIso, region } = query;
  if (query.forcedGPerKWh !== null) {
    return { gPerKWh: query.forcedGPerKWh, basis: 'forced', countryIso, region, source: 'forced by PROV4ML_CARBON_INTENSITY / carbonIntensityGPerKWh' };
  }
  if (countryIso === null) {
    if (region !== null) throw new UserError(`PROV4ML_REGION='${region}' needs PROV4ML_COUNTRY (the region's ISO 3166 alpha-3 country)`);
    return worldAverage(null, null, 'no country configured (PROV4ML_COUNTRY)');
  }
  const countries = await readJsonCarbonTable('global_energy_mix.json');
  const country = asRecord(countries[countryIso]);
  if (country === null) {
    throw new UserError(`PROV4ML_COUNTRY='${countryIso}' is not an ISO 3166 alpha-3 code in the shipped carbon table global_energy_mix.json`);
  }
  if (region !== null) {
    const regional = await regionalIntensity(countryIso, region);
    if (regional !== null) return regional;
  }
  const ignoredRegion = region === null ? '' : `; region '${region}' ignored: no regional table for ${countryIso}`;
  const name = typeof country.country_name === 'string' ? country.country_name : countryIso;
  const year = typeof country.year === 'number' ? ` ${country.year}` : '';
  const table = `global_energy_mix.json (Our World in Data${year}, via codecarbon): ${name}`;
  const intensity = country.carbon_intensity;
  if (typeof intensity === 'number' && intensity > 0) {
    return { gPerKWh: intensity, basis: 'country', countryIso, region: null, source: `${table}${ignoredRegion}` };
  }
  // A zero or missing carbon_intensity (only CAF, all hydro) is computed from the country's mix.
  const fromMix = intensityFromMix(country, await readJsonCarbonTable('carbon_intensity_per_source.json'));
  if (fromMix !== null) {
    return { gPerKWh: fromMix, basis: 'country', countryIso, region: null, source: `${table}, from its generation mix × per-source intensities${ignoredRegion}` };
  }
  return worldAverage(countryIso, null, `${table} has no carbon_intensity and a mix of unknown sources${ignoredRegion}`);
}

/** Mix keys of global_energy_mix.json and their names in carbon_intensity_per_source.json. */
const MIX_SOURCES: Record<string, string> = {
  coal_TWh: 'coal',
  gas_TWh: 'natural_gas',
  oil_TWh: 'petroleum',
  hydroelectricity_TWh: 'hydroelectricity',
  nuclear_TWh: 'nuclear',
  solar_TWh: 'solar',
  wind_TWh: 'wind',
};
/** Share of a country's generation that may come from sources without an intensity (biofuel, other). */
const MIX_UNKNOWN_SHARE_TOLERANCE = 0.01;

/**
 * Σ(source TWh × source gCO2eq/kWh) / total TWh, what codecarbon meant to compute but could not,
 * because its two tables name gas and oil differently. null when the known sources miss more than 1 %.
 */
function intensityFromMix(country: Record<string, unknown>, perSource: Record<string, unknown>): number | null {
  const total = country.total_TWh;
  if (typeof total !== 'number' || !(total > 0)) return null;
  let covered = 0;
  let weighted = 0;
  for (const [mixKey, sourceKey] of Object.entries(MIX_SOURCES)) {
    const twh = country[mixKey];
    const gPerKWh = perSource[sourceKey];
    if (typeof twh !== 'number' || typeof gPerKWh !== 'number') continue;
    covered += twh;
    weighted += twh * gPerKWh;
  }
  return Math.abs(total - covered) <= total * MIX_UNKNOWN_SHARE_TOLERANCE ? weighted / total : null;
}

async function regionalIntensity(countryIso: string, region: string): Promise<CarbonIntensity | null> {
  if (countryIso === 'USA') {
    const states = await readJsonCarbonTable('usa_emissions.json');
    const wanted = region.toLowerCase();
    const found = Object.entries(states).find(([state, entry]) => state === wanted || asRecord(entry)?.regionCode === region.toUpperCase());
    const poundsPerMWh = asRecord(found?.[1])?.emissions;
    if (found === undefined || typeof poundsPerMWh !== 'number') throw unknownRegion(region, countryIso, 'usa_emissions.json', Object.keys(states));
    return { gPerKWh: (poundsPerMWh * GRAMS_PER_POUND) / KWH_PER_MWH, basis: 'region', countryIso, region: found[0], source: `usa_emissions.json (2016, via codecarbon): ${found[0]}, ${poundsPerMWh} lbs/MWh` };
  }
  if (countryIso === 'CAN') {
    const provinces = await readJsonCarbonTable('canada_energy_mix.json');
    const wanted = region.toLowerCase();
    const mix = asRecord(provinces[wanted]);
    if (mix === null) throw unknownRegion(region, countryIso, 'canada_energy_mix.json', Object.keys(provinces));
    let gPerKWh = 0;
    for (const [fuel, kgPerKWh] of Object.entries(CANADA_FOSSIL_KG_PER_KWH)) {
      const percent = mix[fuel];
      if (typeof percent === 'number') gPerKWh += (percent / 100) * kgPerKWh * 1000;
    }
    return { gPerKWh, basis: 'region', countryIso, region: wanted, source: `canada_energy_mix.json (2023, via codecarbon): ${wanted}, fossil shares × codecarbon's per-fuel factors` };
  }
  const zones = asRecord((await readJsonCarbonTable('nordic_emissions.json')).data) ?? {};
  const countryZones = Object.keys(zones).filter((zone) => NORDIC_ZONE_COUNTRY[zone.slice(0, 2)] === countryIso);
  if (countryZones.length === 0) return null;
  const zone = region.toUpperCase();
  const factor = countryZones.includes(zone) ? asRecord(zones[zone])?.emission_factor : undefined;
  if (typeof factor !== 'number') throw unknownRegion(region, countryIso, 'nordic_emissions.json', countryZones);
  return { gPerKWh: factor, basis: 'region', countryIso, region: zone, source: `nordic_emissions.json (ENTSO-E 2024, via codecarbon): bidding zone ${zone}` };
}

async function worldAverage(countryIso: string | null, region: string | null, why: string): Promise<CarbonIntensity> {
  const perSource = await readJsonCarbonTable('carbon_intensity_per_source.json');
  const average = perSource.world_average;
  if (typeof average !== 'number') throw new Error('carbon_intensity_per_source.json has no world_average');
  return { gPerKWh: average, basis: 'world-average', countryIso, region, source: `world average (IEA 2019, carbon_intensity_per_source.json): ${why}` };
}

function unknownRegion(region: string, countryIso: string, table: string, known: readonly string[]): UserError {
  return new UserError(`PROV4ML_REGION='${region}' is not a region of ${countryIso} in ${table}; known: ${known.join(', ')}`);
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
