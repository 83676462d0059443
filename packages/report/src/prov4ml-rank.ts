/**
 * What one of our per-rank documents says about its rank (the vocabulary of prov-core's
 * `vocabulary.ts`), and its metric series, whose points are in the CSV files the metric entities name.
 */
import type { Attributes, ProvDocument, ProvRecord } from '@prov4ml/prov-core';
import { attributeBoolean, attributeNumber, attributeText, attributeTimeMs, hasType } from './attributes.js';
import { pathInside, type DocumentFile } from './documents.js';
import { forEachMetricCsvPoint } from './metric-csv.js';
import type { FinalMetricValue, ParameterValue, RankEntityFact, RankFacts, RankReading, SeriesSource } from './run-contents.js';

const TYPE_KEYS = ['prov-ml:type', 'prov:type'];
const FINAL_METRIC_SUFFIXES = ['_operation', '_count'];
const ENTITY_TYPES: readonly (readonly [string, RankEntityFact['kind']])[] = [['Artifact', 'artifact'], ['ModelVersion', 'model'], ['SourceCode', 'source']];

export function readProv4mlRank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading {
  const records = doc.records();
  const notes: string[] = [];
  const ofType = (type: string): ProvRecord[] => records.filter((record) => hasType(record, TYPE_KEYS, type));
  const run = ofType('LearningExecution').find((record) => record.kind === 'activity');
  const stage = ofType('LearningStage').find((record) => record.kind === 'entity');
  const runAttributes: Attributes = run?.attributes ?? {};
  const stageAttributes: Attributes = stage?.attributes ?? {};
  const rank = attributeNumber(runAttributes, 'prov-ml:global_rank') ?? attributeNumber(stageAttributes, 'prov-ml:global_rank') ?? file.rank ?? 0;
  const experiment = attributeText(stageAttributes, 'prov-ml:experiment_name');
  const runName = attributeText(stageAttributes, 'prov-ml:run_name');
  const unfinished = attributeBoolean(runAttributes, 'prov-ml:unfinished');
  const clean = attributeBoolean(runAttributes, 'prov-ml:clean');
  const facts: RankFacts = {
    rank,
    document: file.name,
    generation: 'prov4ml',
    experiment,
    runId: runIdFromRunName(runName, experiment),
    jobId: attributeText(runAttributes, 'prov-ml:job_id') ?? attributeText(stageAttributes, 'prov-ml:job_id'),
    launcher: attributeText(runAttributes, 'prov-ml:launcher'),
    worldSize: attributeNumber(runAttributes, 'prov-ml:world_size') ?? attributeNumber(stageAttributes, 'prov-ml:world_size'),
    host: attributeText(runAttributes, 'prov-ml:hostname'),
    pid: attributeNumber(runAttributes, 'prov-ml:pid'),
    user: attributeText(runAttributes, 'prov-ml:user_id'),
    command: commandLine(attributeText(runAttributes, 'prov-ml:argv')),
    startMs: attributeTimeMs(runAttributes, 'prov:startTime'),
    endMs: attributeTimeMs(runAttributes, 'prov:endTime'),
    exitCode: attributeNumber(runAttributes, 'prov-ml:exit_code'),
    signal: attributeText(runAttributes, 'prov-ml:signal'),
    // A run that never ended is not clean, whatever else is recorded.
    clean: unfinished === true ? false : clean,
    parameters: ofType('Parameter').map(parameter),
    finalMetrics: ofType('RunStatistics').flatMap((record) => finalMetrics(record.attributes)),
    userNamespace: attributeText(stageAttributes, 'prov-ml:user_namespace'),
    entities: [
      ...ENTITY_TYPES.flatMap(([type, kind]) => ofType(type).map((record) => entityFact(record.attributes, kind))),
      ...ofType('Dataset').map((record) => datasetFact(record)),
    ],
  };
  const series: SeriesSource[] = [];
  for (const metric of ofType('Metric')) {
    const source = metricSeries(metric.attributes, rank, directory);
    if (typeof source === 'string') notes.push(`${file.name}: ${metric.id ?? 'a metric'}: ${source}`);
    else series.push(source);
  }
  return { facts, series, notes };
}

/** `<experiment>_<run id>` → the run id; the whole run name when it does not have that shape. */
function runIdFromRunName(runName: string | null, experiment: string | null): string | null {
  if (runName === null) return null;
  return experiment !== null && runName.startsWith(`${experiment}_`) ? runName.slice(experiment.length + 1) : runName;
}

function commandLine(argvJson: string | null): string | null {
  if (argvJson === null) return null;
  try {
    const argv: unknown = JSON.parse(argvJson);
    return Array.isArray(argv) ? argv.map(String).join(' ') : argvJson;
  } catch {
    return argvJson;
  }
}

/** An artifact's copy is in the run directory only when its path stays inside it. */
function entityFact(attributes: Attributes, kind: RankEntityFact['kind']): RankEntityFact {
  const path = attributeText(attributes, 'prov-ml:artifact_path');
  const originalPath = attributeText(attributes, 'prov-ml:original_path') ?? attributeText(attributes, 'prov-ml:source_path');
  return {
    kind,
    name: attributeText(attributes, 'prov:label') ?? attributeText(attributes, 'prov-ml:source_name') ?? originalPath ?? kind,
    path: path !== null && pathInside('.', path) !== null ? path : null,
    originalPath,
    // Source code is what the program ran: an input. An artifact is one only when the program said so.
    input: kind === 'source' || attributeBoolean(attributes, 'prov-ml:is_input') === true,
  };
}

function datasetFact(record: ProvRecord): RankEntityFact {
  return { kind: 'dataset', name: attributeText(record.attributes, 'prov:label') ?? record.id ?? 'dataset', path: null, originalPath: null, input: true };
}

function parameter(record: ProvRecord): ParameterValue {
  const name = attributeText(record.attributes, 'prov-ml:parameter_name') ?? attributeText(record.attributes, 'prov:label') ?? record.id ?? '';
  const isNull = attributeBoolean(record.attributes, 'prov-ml:parameter_is_null') === true;
  return { name, value: isNull ? 'null' : attributeText(record.attributes, 'prov-ml:parameter_value') ?? '' };
}

/** `prov-ml:<name>` with its `<name>_operation` and `<name>_count` siblings. */
function finalMetrics(attributes: Attributes): FinalMetricValue[] {
  return Object.keys(attributes)
    .filter((key) => key.startsWith('prov-ml:') && key !== 'prov-ml:type' && !FINAL_METRIC_SUFFIXES.some((suffix) => key.endsWith(suffix)))
    .map((key) => ({
      name: key.slice('prov-ml:'.length),
      value: attributeNumber(attributes, key) ?? Number.NaN,
      operation: attributeText(attributes, `${key}_operation`),
    }));
}

/** The metric's series, or why it cannot be read. */
function metricSeries(attributes: Attributes, rank: number, directory: string): SeriesSource | string {
  const name = attributeText(attributes, 'prov-ml:name');
  const context = attributeText(attributes, 'prov-ml:context');
  const file = attributeText(attributes, 'prov-ml:metric_file');
  if (name === null || context === null) return 'no prov-ml:name or prov-ml:context';
  if (file === null) return 'no prov-ml:metric_file';
  const path = pathInside(directory, file);
  if (path === null) return `metric file ${file} is outside the run directory`;
  return {
    rank,
    name,
    context,
    unit: attributeText(attributes, 'prov-ml:unit') ?? '',
    lastValue: attributeNumber(attributes, 'prov-ml:last_value'),
    file,
    forEachPoint: (visit) => forEachMetricCsvPoint(path, visit),
  };
}
