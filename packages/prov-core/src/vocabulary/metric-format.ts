/**
 * The formats of a run's metric files (start_run's metrics_file_type, `--metrics-format`,
 * PROV4ML_METRICS_FORMAT) and the suffix each file has, which is also how a reader tells them apart.
 * One file (or, for Zarr, one store directory) per series in every format.
 */

export const METRIC_FORMATS = ['csv', 'txt', 'netcdf', 'zarr'] as const;

export type MetricFormat = (typeof METRIC_FORMATS)[number];

export const DEFAULT_METRIC_FORMAT: MetricFormat = 'csv';

/** The suffix of a metric file (a Zarr store is a directory with this suffix). */
export const METRIC_FILE_SUFFIXES: Readonly<Record<MetricFormat, string>> = { csv: '.csv', txt: '.txt', netcdf: '.nc', zarr: '.zarr' };

/**
 * Codecs of a Zarr store's chunks: `zlib` (the default), or `blosc` (use_compressor=BLOSC_ZSTD: a Blosc
 * frame, whose inner codec is zlib because Node has no Zstandard encoder; see metric-files/zarr.ts).
 */
export const ZARR_CODECS = ['zlib', 'blosc'] as const;

export type ZarrCodec = (typeof ZARR_CODECS)[number];

export function isMetricFormat(value: unknown): value is MetricFormat {
  return typeof value === 'string' && (METRIC_FORMATS as readonly string[]).includes(value);
}

/** The format of a metric file by its suffix; null for any other path. */
export function metricFormatOfPath(path: string): MetricFormat | null {
  const trimmed = path.replace(/[\\/]+$/, '');
  return METRIC_FORMATS.find((format) => trimmed.endsWith(METRIC_FILE_SUFFIXES[format])) ?? null;
}
