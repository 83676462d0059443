/**
 * The RO-Crate 1.1 metadata of a run, from what the report reads of it (run-contents.ts) and its files:
 * the run directory as the root Dataset, the job as the root CreateAction, one CreateAction per rank
 * (Process Run Crate 0.5; the job/rank split follows the Workflow Run and Provenance Run Crates'
 * workflow-run/step actions as far as a training job has them — it has no workflow definition file),
 * every file with size and sha256, the PROV-JSON documents with their format, energy and CO2 totals.
 */
import { basename } from 'node:path';
import { COLLECTION_FILE, PROV_ML_NS } from '@prov4ml/prov-core';
import type { RankEntityFact, RankFacts, RunContents } from '../run-contents.js';
import { rankStatus, resourceTotals, summariseJob, type ResourceTotal } from '../summary.js';
import type { HashedRunFile } from './run-files.js';

export type Entity = { '@id': string; '@type': string | string[] } & Record<string, unknown>;
type Ref = { '@id': string };

export const RO_CRATE_1_1 = 'https://w3id.org/ro/crate/1.1';
export const RO_CRATE_1_1_CONTEXT = `${RO_CRATE_1_1}/context`;
const PROCESS_RUN_CRATE = 'https://w3id.org/ro/wfrun/process/0.5';
const PROV_JSON = 'https://www.w3.org/Submission/prov-json/';
const SCHEMA = 'http://schema.org/';

/**
 * The crate's context: RO-Crate 1.1's, plus the terms it lacks — `sha256` (schema.org's, as RO-Crate
 * 1.2 maps it), `exitCode` (the Workflow Run Crate term) and our own namespace.
 */
export const CRATE_CONTEXT = [
  RO_CRATE_1_1_CONTEXT,
  { sha256: `${SCHEMA}sha256`, exitCode: 'https://w3id.org/ro/terms/workflow-run#exitCode', prov4ml: PROV_ML_NS },
] as const;

/** Longest command line an instrument's name keeps (an argv can be huge). */
const MAX_COMMAND_CHARS = 2000;

const ENCODING_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.json': 'application/json', '.csv': 'text/csv', '.txt': 'text/plain', '.dot': 'text/vnd.graphviz', '.svg': 'image/svg+xml',
  '.html': 'text/html', '.nc': 'application/x-netcdf', '.zip': 'application/zip', '.pt': 'application/octet-stream', '.pth': 'application/octet-stream',
};

export interface CrateInput {
  readonly run: RunContents;
  readonly files: readonly HashedRunFile[];
  /** When the crate is written (datePublished), epoch ms. */
  readonly nowMs: number;
}

/** The `@graph` of the crate. */
export function crateGraph({ run, files, nowMs }: CrateInput): Entity[] {
  const job = summariseJob(run.ranks);
  const paths = new Set(files.map((file) => file.path));
  const graph = new Graph();
  const programs = new Map<string, Ref>();
  const program = (command: string | null): Ref => {
    const key = command ?? '';
    let ref = programs.get(key);
    if (ref === undefined) {
      ref = graph.add({
        '@id': `#program-${programs.size}`,
        '@type': 'SoftwareApplication',
        name: command === null ? 'the program (its command line was not recorded)' : command.slice(0, MAX_COMMAND_CHARS),
      });
      programs.set(key, ref);
    }
    return ref;
  };
  const namespace = run.ranks.map((rank) => rank.userNamespace).find((ns) => ns !== null) ?? null;
  const agent = graph.add({ '@id': '#agent', '@type': 'Organization', name: namespace ?? 'not recorded', ...(namespace !== null && /^https?:\/\//.test(namespace) ? { url: namespace } : {}) });
  const totals = resourceTotals(run.series, new Map(), run.ranks);
  const rankActions = run.ranks.map((rank) => graph.add(rankAction(rank, run, paths, graph, agent, program(rank.command), totals)));
  const jobAction = graph.add({
    '@id': '#job',
    '@type': 'CreateAction',
    name: `job ${job.jobId ?? 'not recorded'}: ${job.worldSize} rank(s)`,
    description: job.status,
    agent,
    instrument: program(run.ranks.find((rank) => rank.command !== null)?.command ?? null),
    ...time('startTime', job.startMs),
    ...time('endTime', job.endMs),
    ...status(job.ok, job.status),
    object: unique(rankActions.flatMap((ref) => (graph.get(ref)?.['object'] ?? []) as Ref[])),
    result: [COLLECTION_FILE, ...run.ranks.map((rank) => rank.document)].filter((path) => paths.has(path)).map(fileRef),
    ...(totals.length === 0 ? {} : { additionalProperty: totals.map((total) => graph.add(totalProperty(total, 'job', total.total))) }),
  });
  const formats = { prov: false };
  for (const file of files) graph.add(fileEntity(file, run, formats));
  if (formats.prov) graph.add({ '@id': PROV_JSON, '@type': 'WebSite', name: 'PROV-JSON (W3C Member Submission)' });
  // RO-Crate asks the root for a license; prov4ml cannot know under which terms a run may be shared.
  const license = graph.add({ '@id': '#license', '@type': 'CreativeWork', name: 'No license stated', description: 'prov4ml does not know under which terms these files may be shared; their owner decides (set a license before publishing the crate).' });
  graph.add({ '@id': PROCESS_RUN_CRATE, '@type': 'CreativeWork', name: 'Process Run Crate', version: '0.5' });
  graph.add({ '@id': RO_CRATE_1_1, '@type': 'CreativeWork', name: 'RO-Crate', version: '1.1' });
  const root: Entity = {
    '@id': './',
    '@type': 'Dataset',
    name: `${job.experiment ?? 'run'}${job.runId === null ? '' : ` run ${job.runId}`}`,
    description: `Provenance of job ${job.jobId ?? '(not recorded)'} (${job.worldSize} rank(s)), recorded by prov4ml: one W3C PROV-JSON document per rank, the job's collection, the metric files and artifacts.`,
    datePublished: new Date(nowMs).toISOString(),
    license,
    conformsTo: { '@id': PROCESS_RUN_CRATE },
    hasPart: files.map((file) => fileRef(file.path)),
    mentions: [jobAction, ...rankActions],
  };
  const descriptor: Entity = { '@id': 'ro-crate-metadata.json', '@type': 'CreativeWork', conformsTo: { '@id': RO_CRATE_1_1 }, about: { '@id': './' } };
  return [descriptor, root, ...graph.entities()];
}

/** Entities by id, each added once. */
class Graph {
  readonly #byId = new Map<string, Entity>();

  add(entity: Entity): Ref {
    if (!this.#byId.has(entity['@id'])) this.#byId.set(entity['@id'], entity);
    return { '@id': entity['@id'] };
  }

  get(ref: Ref): Entity | undefined {
    return this.#byId.get(ref['@id']);
  }

  entities(): Entity[] {
    return [...this.#byId.values()];
  }
}

function rankAction(rank: RankFacts, run: RunContents, paths: ReadonlySet<string>, graph: Graph, agent: Ref, instrument: Ref, totals: readonly ResourceTotal[]): Entity {
  const r = rank.rank;
  const { text, ok } = rankStatus(rank);
  const entity = (fact: RankEntityFact, index: number): Ref => {
    if (fact.path !== null && paths.has(fact.path)) return fileRef(fact.path);
    const type = fact.kind === 'dataset' ? 'Dataset' : fact.kind === 'source' ? 'SoftwareSourceCode' : 'CreativeWork';
    return graph.add({ '@id': `#rank-${r}-${fact.kind}-${index}`, '@type': type, name: fact.name, ...(fact.originalPath === null ? {} : { identifier: fact.originalPath }) });
  };
  const parameters = rank.parameters.map((parameter, index) =>
    graph.add({ '@id': `#rank-${r}-parameter-${index}`, '@type': 'PropertyValue', name: parameter.name, value: parameter.value }),
  );
  const documents = [rank.document, ...['.dot', '.svg'].map((extension) => rank.document.replace(/\.json$/, extension))];
  const metricFiles = run.series.filter((series) => series.rank === r && series.file !== undefined).map((series) => series.file as string);
  const outputs = rank.entities.map((fact, index) => ({ fact, index })).filter(({ fact }) => !fact.input);
  const perRank = totals.flatMap((total) => total.perRank.filter((value) => value.rank === r).map((value) => graph.add(totalProperty(total, `rank-${r}`, value.value))));
  return {
    '@id': `#rank-${r}`,
    '@type': 'CreateAction',
    name: `rank ${r}${rank.host === null ? '' : ` on ${rank.host}`}`,
    agent,
    instrument,
    ...time('startTime', rank.startMs),
    ...time('endTime', rank.endMs),
    ...status(ok, text),
    ...(rank.exitCode === null ? {} : { exitCode: rank.exitCode }),
    object: [...rank.entities.map((fact, index) => ({ fact, index })).filter(({ fact }) => fact.input).map(({ fact, index }) => entity(fact, index)), ...parameters],
    result: [...[...documents, ...metricFiles].filter((path) => paths.has(path)).map(fileRef), ...outputs.map(({ fact, index }) => entity(fact, index))],
    ...(perRank.length === 0 ? {} : { additionalProperty: perRank }),
  };
}

function totalProperty(total: ResourceTotal, owner: string, value: number): Entity {
  return {
    '@id': `#${owner}-${total.metric}`,
    '@type': 'PropertyValue',
    name: total.label,
    propertyID: `${PROV_ML_NS}${total.metric}`,
    value,
    ...(total.unit === '' ? {} : { unitText: total.unit }),
    ...(total.caveat === null ? {} : { description: total.caveat }),
  };
}

function fileEntity(file: HashedRunFile, run: RunContents, formats: { prov: boolean }): Entity {
  const extension = /\.[^./]+$/.exec(file.path)?.[0]?.toLowerCase() ?? '';
  const rank = run.ranks.find((facts) => facts.document === file.path);
  const series = run.series.find((source) => source.file === file.path);
  const isProv = rank !== undefined || file.path === COLLECTION_FILE || /^prov_.*_unified\.json$/.test(file.path);
  if (isProv) formats.prov = true;
  const media = ENCODING_BY_EXTENSION[extension];
  return {
    '@id': fileId(file.path),
    '@type': 'File',
    name: rank !== undefined ? `PROV-JSON document of rank ${rank.rank}` : file.path === COLLECTION_FILE ? "the job's collection (PROV-JSON)" : series !== undefined ? `${series.name} (${series.context}) of rank ${series.rank}` : basename(file.path),
    contentSize: String(file.sizeBytes),
    sha256: file.sha256,
    dateModified: new Date(file.mtimeMs).toISOString(),
    ...(isProv ? { encodingFormat: ['application/json', { '@id': PROV_JSON }] } : media === undefined ? {} : { encodingFormat: media }),
    ...(rank !== undefined ? { about: { '@id': `#rank-${rank.rank}` } } : file.path === COLLECTION_FILE ? { about: { '@id': '#job' } } : {}),
  };
}

/** A relative path as a crate id: each segment percent-encoded (names may hold `%`, spaces, `#`). */
export function fileId(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function unique(refs: readonly Ref[]): Ref[] {
  return [...new Map(refs.map((ref) => [ref['@id'], ref])).values()];
}

function fileRef(path: string): Ref {
  return { '@id': fileId(path) };
}

function time(key: string, ms: number | null): Record<string, string> {
  return ms === null ? {} : { [key]: new Date(ms).toISOString() };
}

function status(ok: boolean | null, text: string): Record<string, unknown> {
  if (ok === null) return {};
  return ok ? { actionStatus: { '@id': `${SCHEMA}CompletedActionStatus` } } : { actionStatus: { '@id': `${SCHEMA}FailedActionStatus` }, error: text };
}
