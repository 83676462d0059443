/**
 * One measured value, as every sampler returns it. Names are the original's (`cpu_usage`,
 * `gpu_power_usage`, `emissions`, …) so its users find them; the unit and the source travel with the
 * value into the PROV attributes, never only into docs.
 */
export interface MetricSample {
  name: string;
  value: number;
  /** '%', 'MiB', '°C', 'W', 'J', 'kWh', 'gCO2eq', 'gCO2eq/s'. */
  unit: string;
  /** Where the value came from, e.g. 'procfs', 'statfs', 'nvidia-smi', 'rapl', 'tdp-table'. */
  source: string;
}

/** The units samplers use, spelled once. */
export const Unit = {
  PERCENT: '%',
  MEBIBYTES: 'MiB',
  CELSIUS: '°C',
  WATTS: 'W',
  JOULES: 'J',
  KILOWATT_HOURS: 'kWh',
  GRAMS_CO2EQ: 'gCO2eq',
  GRAMS_CO2EQ_PER_SECOND: 'gCO2eq/s',
} as const;

export const JOULES_PER_KILOWATT_HOUR = 3_600_000;
export const BYTES_PER_MEBIBYTE = 1024 * 1024;
