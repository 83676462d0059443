/**
 * Reads what a compatibility script left in its run directory: one rank's PROV-JSON entities by
 * prov-ml type, plain values of their attributes, metric CSVs (any separator), and file hashes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Entity = Record<string, unknown>;

export interface RankRun {
  runDir: string;
  rank: number;
  /** prov_<experiment>_GR<rank>.json */
  document: string;
  entities: Entity[];
  /** Relations of one kind (used, wasGeneratedBy, wasInformedBy, wasDerivedFrom…), as written. */
  relations: (kind: string) => Entity[];
}

export function readRank(runDir: string, experiment: string, rank: number): RankRun {
  const document = join(runDir, `prov_${experiment}_GR${rank}.json`);
  assert.ok(existsSync(document), `${document} exists`);
  type Bundle = Record<string, Record<string, Entity> | undefined>;
  const parsed = JSON.parse(readFileSync(document, 'utf8')) as Bundle & { bundle?: Record<string, Bundle> };
  const bundles: Bundle[] = [parsed, ...Object.values(parsed.bundle ?? {})];
  const relations = (kind: string): Entity[] => bundles.flatMap((bundle) => Object.values(bundle[kind] ?? {}));
  return { runDir, rank, document, entities: relations('entity'), relations };
}

/** The plain value of a PROV-JSON attribute: typed literals as numbers where numeric. */
export function plain(attribute: unknown): unknown {
  if (Array.isArray(attribute)) return plain(attribute[0]);
  if (attribute !== null && typeof attribute === 'object' && '$' in attribute) {
    const { $: text, type } = attribute as { $: string; type?: string };
    return type === 'xsd:long' || type === 'xsd:int' || type === 'xsd:double' ? Number(text) : text;
  }
  return attribute;
}

export function entitiesOf(run: RankRun, type: string): Entity[] {
  return run.entities.filter((entity) => plain(entity['prov:type']) === `prov-ml:${type}`);
}

/** Ids of the elements of one prov-ml type (entities, or `section` such as 'activity') whose attributes include `match`. */
export function idsOf(run: RankRun, type: string, match: Entity = {}, section = 'entity'): string[] {
  const parsed = JSON.parse(readFileSync(run.document, 'utf8')) as Record<string, Record<string, Entity> | undefined>;
  return Object.entries(parsed[section] ?? {})
    .filter(([, element]) => plain(element['prov:type']) === `prov-ml:${type}` && Object.entries(match).every(([key, value]) => plain(element[key]) === value))
    .map(([id]) => id);
}

/** Parameter name → value (the last one logged under that name). */
export function paramsOf(run: RankRun): Map<string, unknown> {
  return new Map(entitiesOf(run, 'Parameter').map((p) => [String(p['prov-ml:parameter_name']), plain(p['prov-ml:parameter_value'])]));
}

/** Dataset label → its `stat_*` attributes, without the prefix. */
export function datasetsOf(run: RankRun): Map<string, Record<string, unknown>> {
  const datasets = new Map<string, Record<string, unknown>>();
  for (const dataset of entitiesOf(run, 'Dataset')) {
    const stats = Object.entries(dataset).filter(([key]) => key.startsWith('prov-ml:stat_')).map(([key, value]) => [key.slice('prov-ml:stat_'.length), plain(value)]);
    datasets.set(String(dataset['prov:label']), Object.fromEntries(stats));
  }
  return datasets;
}

/** Every artifact and model version: label, role, step, stored path, sha256, and the stored file's own hash. */
export function artifactsOf(run: RankRun): { label: string; role: string; step: unknown; path: string; sha256: string; fileSha256: string | null }[] {
  return [...entitiesOf(run, 'Artifact'), ...entitiesOf(run, 'ModelVersion')].map((artifact) => {
    const path = String(artifact['prov-ml:artifact_path']);
    const stored = join(run.runDir, path);
    return {
      label: String(artifact['prov:label']),
      role: String(artifact['prov-ml:role']),
      step: plain(artifact['prov-ml:step']) ?? null,
      path,
      sha256: String(artifact['prov-ml:sha256']),
      fileSha256: existsSync(stored) ? sha256(readFileSync(stored)) : null,
    };
  });
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface MetricRows {
  separator: string;
  steps: number[];
  values: number[];
}

/** metrics/<name>_<context>_GR<rank>.csv, whose header names the separator (step<sep>value<sep>timestamp_ms). */
export function metricRows(run: RankRun, name: string, context: string): MetricRows {
  const text = readFileSync(join(run.runDir, 'metrics', `${name}_${context}_GR${run.rank}.csv`), 'utf8');
  const [header, ...lines] = text.trimEnd().split('\n');
  const separator = header!.charAt('step'.length);
  assert.equal(header, ['step', 'value', 'timestamp_ms'].join(separator));
  const rows = lines.map((line) => line.split(separator).map(Number));
  return { separator, steps: rows.map((row) => row[0]!), values: rows.map((row) => row[1]!) };
}

/** The final_run_statistics entity's value, operation and count of one registered metric. */
export function finalMetric(run: RankRun, name: string): { value: unknown; operation: unknown; count: unknown } {
  const [statistics] = entitiesOf(run, 'RunStatistics');
  assert.ok(statistics, 'a final_run_statistics entity');
  return { value: plain(statistics[`prov-ml:${name}`]), operation: plain(statistics[`prov-ml:${name}_operation`]), count: plain(statistics[`prov-ml:${name}_count`]) };
}
