/**
 * One run directory of rank 0 as an agent wrote it, read for assertions: the metric CSVs row by row,
 * the rank's PROV-JSON document (parameters, metrics, datasets, contexts, artifacts and their copies,
 * final metrics) and the job's collection.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { separatorOfHeader } from '@prov4ml/aggregator';

/** An hour: timestamps written during the test are this close to the test's clock. */
const HOUR_MS = 3_600_000;

export type Literal = string | number | boolean;
type Attributes = Record<string, unknown>;

/** A PROV-JSON attribute as a plain value: typed numbers as numbers (NaN, ±Infinity included). */
export function literal(value: unknown): Literal | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && '$' in value) {
    const { $, type } = value as { $: string; type: string };
    return /^xsd:(double|float|long|int|integer)$/.test(type) ? Number($.replace(/^INF$/, 'Infinity').replace(/^-INF$/, '-Infinity')) : $;
  }
  return value as Literal;
}

/** Selected attributes of an entity or activity as plain values, `prov-ml:` left off the names. */
export function attributes(entity: Attributes | undefined, names: string[]): Record<string, Literal | undefined> {
  assert.ok(entity, 'the document has the element');
  return Object.fromEntries(names.map((name) => [name, literal(entity[name.includes(':') ? name : `prov-ml:${name}`])]));
}

export interface CsvRow {
  step: number;
  value: number;
  timestampMs: number;
}

/** One run directory of rank 0 as an agent wrote it. */
export class RankRun {
  readonly document: Record<string, Record<string, Attributes>>;
  readonly prefix: string;

  constructor(
    readonly runDir: string,
    readonly experiment: string,
    readonly runId: number,
  ) {
    this.document = JSON.parse(readFileSync(this.documentPath, 'utf8')) as Record<string, Record<string, Attributes>>;
    this.prefix = `${experiment}_${runId}_GR0`;
  }

  get documentPath(): string {
    return join(this.runDir, `prov_${this.experiment}_GR0.json`);
  }

  /** Entities whose prov-ml:type is `type` (Parameter, Metric, Artifact, ModelVersion, Dataset…), in document order. */
  entities(...types: string[]): Attributes[] {
    return Object.values(this.document.entity ?? {}).filter((e) => types.includes(e['prov-ml:type'] as string));
  }

  /** The run's activity (its LearningExecution). */
  get execution(): Attributes {
    const execution = this.document.activity?.[`${this.prefix}.execution`];
    assert.ok(execution, 'the document has the run activity');
    return execution;
  }

  /** The context activities, by context name. */
  get contexts(): Map<string, Attributes> {
    return new Map(Object.values(this.document.activity ?? {}).filter((a) => 'prov-ml:context' in a).map((a) => [a['prov-ml:context'] as string, a]));
  }

  /** Parameters by name: value, context, source and role (input, output or none). */
  get params(): Map<string, { value: Literal | undefined; context?: Literal; source?: Literal; role?: Literal }> {
    return new Map(
      this.entities('Parameter').map((p) => {
        const { parameter_name: name, parameter_value: value, context, source, role } = attributes(p, ['parameter_name', 'parameter_value', 'context', 'source', 'role']);
        return [name as string, { value, ...(context === undefined ? {} : { context }), ...(source === undefined ? {} : { source }), ...(role === undefined ? {} : { role }) }];
      }),
    );
  }

  param(name: string): Literal | undefined {
    const param = this.params.get(name);
    assert.ok(param, `parameter ${name} is recorded`);
    return param.value;
  }

  /** The Metric entity of a series. */
  metric(name: string, context: string): Attributes {
    const metric = this.entities('Metric').find((m) => m['prov-ml:name'] === name && m['prov-ml:context'] === context);
    assert.ok(metric, `metric ${name}/${context} is in the document`);
    return metric;
  }

  /** The metric CSV files written, as `name/CONTEXT` (from their file names), sorted. */
  get seriesKeys(): string[] {
    const dir = join(this.runDir, 'metrics');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).map((file) => file.replace(/^(.+)_([A-Z0-9_]+?)_GR0\.csv$/, '$1/$2')).sort();
  }

  /** The text of a metric CSV. */
  csv(name: string, context: string): string {
    return readFileSync(join(this.runDir, 'metrics', `${name}_${context}_GR0.csv`), 'utf8');
  }

  /** Every row of a metric CSV (separator read from its header), each with a timestamp. */
  rows(name: string, context: string): CsvRow[] {
    const text = this.csv(name, context);
    assert.ok(text.endsWith('\n'), 'the last row ends with a newline');
    const [header, ...lines] = text.slice(0, -1).split('\n');
    const separator = separatorOfHeader(header!);
    assert.ok(separator !== null, `a metric CSV header: ${header}`);
    return lines.map((line) => {
      const [step, value, timestampMs] = line.split(separator);
      assert.ok(timestampMs !== undefined && timestampMs !== '', `${name}/${context}: a timestamp in ${line}`);
      return { step: Number(step), value: csvNumber(value!), timestampMs: Number(timestampMs) };
    });
  }

  /** [step, value] of every row of a metric CSV, in file order. */
  points(name: string, context: string): number[][] {
    const rows = this.rows(name, context);
    assert.ok(rows.every((row) => Math.abs(row.timestampMs - Date.now()) < HOUR_MS), `${name}/${context}: timestamps are epoch milliseconds of now`);
    return rows.map((row) => [row.step, row.value]);
  }

  /** Artifacts and model versions, in document order. */
  get artifacts(): Attributes[] {
    return this.entities('Artifact', 'ModelVersion');
  }

  /** The stored copy of an artifact, checked against the size and sha256 the document gives it. */
  copyOf(artifact: Attributes): Buffer {
    const path = literal(artifact['prov-ml:artifact_path']);
    assert.equal(typeof path, 'string', 'the artifact was copied');
    const bytes = readFileSync(join(this.runDir, path as string));
    assert.equal(bytes.length, literal(artifact['prov-ml:size_bytes']), `${String(path)}: size`);
    assert.equal(sha256(bytes), artifact['prov-ml:sha256'], `${String(path)}: sha256`);
    return bytes;
  }

  /** Datasets as [label, statistics (stat_* attributes without the prefix)], in document order. */
  get datasets(): [string, Record<string, Literal | undefined>][] {
    return this.entities('Dataset').map((d) => [
      d['prov:label'] as string,
      Object.fromEntries(Object.keys(d).filter((k) => k.startsWith('prov-ml:stat_')).map((k) => [k.slice('prov-ml:stat_'.length), literal(d[k])])),
    ]);
  }

  /** The final metrics (RunStatistics): value, operation and count per registered name. */
  get finalMetrics(): Map<string, { operation: Literal | undefined; value: Literal | undefined; count: Literal | undefined }> {
    const [statistics] = this.entities('RunStatistics');
    assert.ok(statistics, 'the document has the final metrics');
    const names = Object.keys(statistics).filter((k) => k.endsWith('_operation')).map((k) => k.slice('prov-ml:'.length, -'_operation'.length));
    return new Map(names.map((name) => [name, { operation: literal(statistics[`prov-ml:${name}_operation`]), value: literal(statistics[`prov-ml:${name}`]), count: literal(statistics[`prov-ml:${name}_count`]) }]));
  }

  has(file: string): boolean {
    return existsSync(join(this.runDir, file));
  }

  /** The job's collection names the rank document as finished, with the document's sha256. */
  assertCollection(): void {
    const collection = JSON.parse(readFileSync(join(this.runDir, 'prov_collection.json'), 'utf8')) as { entity: Record<string, Attributes> };
    const member = collection.entity[`${this.experiment}_${this.runId}.document.GR0`];
    assert.deepEqual(attributes(member, ['path', 'global_rank', 'finished']), { path: `prov_${this.experiment}_GR0.json`, global_rank: 0, finished: true }, this.runDir);
    assert.equal(member!['prov-ml:sha256'], sha256(readFileSync(this.documentPath)), `${this.runDir}: the collection's sha256 of the rank document`);
  }
}

function csvNumber(text: string): number {
  if (text === 'INF') return Number.POSITIVE_INFINITY;
  if (text === '-INF') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
