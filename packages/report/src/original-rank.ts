/**
 * What the original yProvML's documents say about a rank. G1/G2 inline each metric's points as
 * stringified Python lists (older G2 files may only have them in `tmp/` side files); G3 keeps them in
 * side files named by `yProv4ML:path`. A side file that is missing or in a format we cannot read
 * (netCDF, Zarr) becomes a note on the page, never an error.
 */
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { originalInlineSeries, parseOriginalMetricFile, type Attributes, type OriginalMetricSeries, type ProvDocument, type ProvRecord } from '@prov4ml/prov-core';
import { attributeNumber, attributeText, hasType } from './attributes.js';
import { pathInside, readTextFile, type DocumentFile } from './documents.js';
import type { DocumentGeneration, FinalMetricValue, ParameterValue, RankFacts, RankReading, SeriesSource } from './run-contents.js';

const G1_TYPE_KEYS = ['prov-ml:type'];
const SECONDS_TO_MS = 1000;
/** Side-file formats the original could write that the report does not decode. */
const UNREADABLE_SIDE_FILES: Readonly<Record<string, string>> = { '.nc': 'netCDF', '.zarr': 'Zarr' };

/** Facts and series of a G1/G2 document. */
export function readG1Rank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading {
  const records = doc.records();
  const notes: string[] = [];
  const runEntity = records.find((record) => record.kind === 'entity' && hasType(record, G1_TYPE_KEYS, 'LearningStage'));
  const experimentEntity = records.find((record) => record.kind === 'entity' && hasType(record, G1_TYPE_KEYS, 'Experiment'));
  const rank = file.rank ?? numberOrNull(runEntity?.attributes, 'prov-ml:global_rank') ?? 0;
  const parameters: ParameterValue[] = [];
  for (const record of records) {
    if (record.kind !== 'entity' || record.id === null || !hasType(record, G1_TYPE_KEYS, 'Parameter')) continue;
    parameters.push({ name: record.id, value: attributeText(record.attributes, 'prov-ml:parameter_value') ?? '' });
  }
  const timeParameter = (name: string): number | null => {
    const seconds = Number(parameters.find((parameter) => parameter.name === name)?.value);
    return Number.isFinite(seconds) ? seconds * SECONDS_TO_MS : null;
  };
  const series: SeriesSource[] = [];
  for (const record of records) {
    if (record.kind !== 'entity' || record.id === null || !hasType(record, G1_TYPE_KEYS, 'Metric')) continue;
    const inline = originalInlineSeries(record.attributes, `${file.name}: ${record.id}`);
    const source = inline === null ? g1SideFileSeries(record, rank, directory, notes) : inMemorySeries(rank, inline);
    if (source !== null) series.push(source);
  }
  return {
    facts: {
      ...emptyFacts(rank, file, 'yProvML G1/G2'),
      experiment: (experimentEntity && attributeText(experimentEntity.attributes, 'prov-ml:experiment_name')) ?? experimentEntity?.id ?? null,
      runId: (runEntity && attributeText(runEntity.attributes, 'prov-ml:run_id')) ?? null,
      user: (runEntity && attributeText(runEntity.attributes, 'prov-ml:user_id')) ?? null,
      startMs: timeParameter('execution_start_time'),
      endMs: timeParameter('execution_end_time'),
      parameters,
      finalMetrics: g1FinalMetrics(records),
    },
    series,
    notes,
  };
}

/** Facts and series of a G3 document; its side files are read when the series is plotted. */
export function readG3Rank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading {
  const records = doc.records();
  const notes: string[] = [];
  const run = records.find((record) => record.kind === 'activity' && numberOrNull(record.attributes, 'yProv4ML:level') === 0);
  const attributes: Attributes = run?.attributes ?? {};
  const rank = file.rank ?? numberOrNull(attributes, 'yProv4ML:global_rank') ?? 0;
  // log_param in G3 writes plain, un-prefixed attributes on the run's context activity.
  const parameters: ParameterValue[] = Object.keys(attributes)
    .filter((key) => !key.includes(':'))
    .map((key) => ({ name: key, value: attributeText(attributes, key) ?? '' }));
  const seconds = (key: string): number | null => {
    const value = numberOrNull(attributes, key);
    return value === null ? null : value * SECONDS_TO_MS;
  };
  const series: SeriesSource[] = [];
  for (const record of records) {
    const path = record.kind === 'entity' ? attributeText(record.attributes, 'yProv4ML:path') : null;
    const context = attributeText(record.attributes, 'yProv4ML:context');
    if (path === null || context === null || record.id === null) continue;
    const sideFile = locateSideFile(path, directory, rank);
    const unreadable = UNREADABLE_SIDE_FILES[extname(path).toLowerCase()];
    if (sideFile === null) notes.push(`${file.name}: ${record.id} (${normaliseContext(context)}): side file ${path} not found`);
    else if (unreadable !== undefined) notes.push(`${file.name}: ${record.id} (${normaliseContext(context)}): side file ${path} is ${unreadable}, which the report does not read`);
    else series.push(sideFileSeries(rank, record.id, context, sideFile));
  }
  const agent = records.find((record) => record.kind === 'agent');
  return {
    facts: {
      ...emptyFacts(rank, file, 'yProvML G3'),
      experiment: attributeText(attributes, 'yProv4ML:experiment_name'),
      runId: attributeText(attributes, 'yProv4ML:run_id'),
      user: agent?.id ?? null,
      startMs: seconds('execution_start_time'),
      endMs: seconds('execution_end_time'),
      parameters,
    },
    series,
    notes,
  };
}

/** The original's `Context.TRAINING` (or `training`) spelled as our files do: `TRAINING`. */
function normaliseContext(context: string): string {
  return context.replace(/^Context\./, '').toUpperCase();
}

function emptyFacts(rank: number, file: DocumentFile, generation: DocumentGeneration): RankFacts {
  return {
    rank, document: file.name, generation, experiment: null, runId: null, jobId: null, launcher: null, worldSize: null,
    host: null, pid: null, user: null, command: null, startMs: null, endMs: null, exitCode: null, signal: null, clean: null,
    parameters: [], finalMetrics: [], userNamespace: null, entities: [],
  };
}

function g1FinalMetrics(records: readonly ProvRecord[]): FinalMetricValue[] {
  const statistics = records.find((record) => record.kind === 'entity' && hasType(record, G1_TYPE_KEYS, 'RunStatistics'));
  if (statistics === undefined) return [];
  return Object.keys(statistics.attributes)
    .filter((key) => key !== 'prov-ml:type')
    .map((key) => ({ name: key.replace(/^prov-ml:/, ''), value: attributeNumber(statistics.attributes, key) ?? Number.NaN, operation: null }));
}

/** A G2 metric entity without inline lists: its points are in `tmp/<name>_<context>_GR<rank>.{txt,csv}`. */
function g1SideFileSeries(record: ProvRecord, rank: number, directory: string, notes: string[]): SeriesSource | null {
  const name = attributeText(record.attributes, 'prov-ml:name') ?? (record.id as string);
  const context = attributeText(record.attributes, 'prov-ml:context') ?? '';
  const candidates = ['.txt', '.csv'].map((extension) => join(directory, 'tmp', `${name}_${context}_GR${rank}${extension}`));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    notes.push(`${record.id}: no inline values and no side file tmp/${basename(candidates[0] as string)} (or .csv)`);
    return null;
  }
  return sideFileSeries(rank, name, context, found);
}

/** The original wrote paths relative to the program's working directory; the run directory is the usual place to find them. */
function locateSideFile(path: string, directory: string, rank: number): string | null {
  const name = basename(path);
  const candidates = [pathInside(directory, path), join(directory, 'metrics', name), join(directory, `metrics_GR${rank}`, name), join(directory, name)];
  return candidates.find((candidate): candidate is string => candidate !== null && existsSync(candidate)) ?? null;
}

function sideFileSeries(rank: number, name: string, context: string, path: string): SeriesSource {
  return {
    rank, name, context: normaliseContext(context), unit: '', lastValue: null,
    async forEachPoint(visit) {
      const series = await readSideFile(path);
      for (let i = 0; i < series.steps.length; i += 1) visit(series.steps[i] as number, series.values[i] as number);
    },
  };
}

async function readSideFile(path: string): Promise<OriginalMetricSeries> {
  return parseOriginalMetricFile(await readTextFile(path), path);
}

function inMemorySeries(rank: number, series: OriginalMetricSeries): SeriesSource {
  return {
    rank, name: series.name, context: normaliseContext(series.context), unit: '', lastValue: valueAtLastStep(series),
    async forEachPoint(visit) {
      for (let i = 0; i < series.steps.length; i += 1) visit(series.steps[i] as number, series.values[i] as number);
    },
  };
}

/** The value logged last at the largest step, as the downsampler defines "last". */
function valueAtLastStep(series: OriginalMetricSeries): number | null {
  let last: number | null = null;
  let lastStep = Number.NEGATIVE_INFINITY;
  series.steps.forEach((step, index) => {
    if (step >= lastStep) [lastStep, last] = [step, series.values[index] as number];
  });
  return last;
}

function numberOrNull(attributes: Attributes | undefined, key: string): number | null {
  return attributes === undefined ? null : attributeNumber(attributes, key);
}
