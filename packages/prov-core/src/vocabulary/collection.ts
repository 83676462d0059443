/**
 * The job's collection (DESIGN §6): a prov:Collection entity with one member per rank document (rank,
 * relative path, sha256, size), the job activity, and each rank's run activity started by the job.
 * The "unified" form adds every rank's records as a bundle of the same document; the experiment form
 * does that for every run of an experiment.
 */
import { int, long, qname } from '../prov/literal.js';
import { ProvDocument, type Attributes, type ProvBundle } from '../prov/model.js';
import type { JobIdentity, RankSummary } from './rank-summary.js';
import { DEFAULT_USER_NAMESPACE, PROV_ML_NS, PROV_ML_PREFIX, addRankRecords, declareNamespaces, localName, rankIdPrefix, runActivityId } from './rank-document.js';
import { UserError } from '../errors.js';
import { rankComparedAttributes, ranksComparedAttributes, type RanksCompared } from './ranks-compared.js';
import { addNodeAgent, nodeAgentId, type JobNode } from './node-agent.js';

/** One rank document listed in the collection. */
export interface CollectionMember {
  /** null for a file whose name carries no rank (the original's rank-0 `provgraph_<exp>.json`). */
  rank: number | null;
  /** Path of the document relative to the collection file. */
  path: string;
  sha256: string;
  sizeBytes: number;
  /** False for a rank that never ended cleanly; omitted for files of the original. */
  finished?: boolean;
}

export interface JobCollection {
  job: JobIdentity;
  members: CollectionMember[];
  /** Epoch ms of the first rank's start and the last rank's end, when known. */
  startMs: number | null;
  endMs: number | null;
  /** Cross-rank diagnostics, stated on the collection and on each rank's run activity. */
  diagnostics?: RanksCompared;
  /** The job's nodes, each once, with the ranks that ran on it. */
  nodes?: readonly JobNode[];
}


/** The collection document of a job whose ranks prov4ml recorded. */
export function buildCollection(collection: JobCollection): ProvDocument {
  const doc = new ProvDocument();
  declareNamespaces(doc, collection.job);
  addCollectionRecords(doc, collection);
  return doc;
}

/** The collection plus one bundle per rank holding that rank's whole document. */
export function buildUnifiedDocument(collection: JobCollection, ranks: readonly RankSummary[]): ProvDocument {
  const doc = buildCollection(collection);
  for (const rank of ranks) addRankRecords(doc.bundle(`${rankIdPrefix(rank.job, rank.rank)}.bundle`), rank);
  return doc;
}

/**
 * A collection of documents found in a directory that prov4ml did not aggregate (e.g. the original's
 * G1 or G3 files): members only, no job or run activities.
 */
export function buildFileCollection(name: string, members: readonly CollectionMember[]): ProvDocument {
  const doc = new ProvDocument();
  doc.addNamespace(PROV_ML_PREFIX, PROV_ML_NS);
  doc.setDefaultNamespace('https://prov4ml.org/collection/');
  const id = `${localName(name)}.collection`;
  doc.entity(id, { ...collectionType(), 'prov:label': name });
  addMembers(doc, id, members, localName(name));
  return doc;
}

/** A rank document read back, with what the collection says about its file. */
export interface RunDocument extends CollectionMember {
  readonly doc: ProvDocument;
}

/** One run of an experiment: its directory's name (`<experiment>_<id>`) and its rank documents. */
export interface ExperimentRun {
  readonly name: string;
  readonly documents: readonly RunDocument[];
}

/**
 * Every run of an experiment in one document: the experiment (the same id as the Experiment entity of
 * each rank document) has every run as a member, each run has its rank documents as members, and each
 * rank document's records are the bundle with that member's id. The top level uses the first document's
 * default namespace, so its experiment is the one the rank documents name.
 */
export function buildExperimentDocument(experiment: string, runs: readonly ExperimentRun[]): ProvDocument {
  const doc = new ProvDocument();
  doc.addNamespace(PROV_ML_PREFIX, PROV_ML_NS);
  doc.setDefaultNamespace(runs.flatMap((run) => run.documents)[0]?.doc.defaultNamespace() ?? DEFAULT_USER_NAMESPACE);
  const experimentId = localName(experiment);
  doc.entity(experimentId, { ...collectionType('Experiment'), 'prov:label': experiment, 'prov-ml:experiment_name': experiment });
  for (const run of runs) {
    const runId = localName(run.name);
    doc.entity(runId, { ...collectionType('Run'), 'prov:label': run.name, 'prov-ml:run_name': run.name });
    doc.hadMember(experimentId, runId);
    const members = addMembers(doc, runId, run.documents, runId);
    run.documents.forEach((document, index) => {
      const bundleId = members[index] as string;
      if (doc.bundles().has(bundleId)) throw new UserError(`${run.name}: two documents for ${bundleId} (${document.path})`);
      copyRecords(document.doc, doc.bundle(bundleId), document.path);
    });
  }
  return doc;
}

/** A rank document's namespaces and records into a bundle; blank ids are renumbered by the writer. */
function copyRecords(source: ProvDocument, bundle: ProvBundle, path: string): void {
  if (source.bundles().size > 0) throw new UserError(`${path}: has bundles of its own; a rank document has none`);
  for (const [prefix, uri] of source.namespaces()) bundle.addNamespace(prefix, uri);
  const defaultNamespace = source.defaultNamespace();
  if (defaultNamespace !== undefined) bundle.setDefaultNamespace(defaultNamespace);
  for (const record of source.records()) bundle.addRecord(record.id?.startsWith('_:') ? { ...record, id: null } : record);
}

function addCollectionRecords(doc: ProvDocument, { job, members, startMs, endMs, diagnostics, nodes = [] }: JobCollection): void {
  const run = localName(job.runName);
  const collection = `${run}.collection`;
  const jobActivity = `${run}.job`;
  doc.entity(collection, {
    ...collectionType(),
    'prov:label': job.runName,
    'prov-ml:experiment_name': job.experimentName,
    'prov-ml:run_name': job.runName,
    'prov-ml:job_id': job.jobKey,
    'prov-ml:world_size': int(job.worldSize),
    ...(diagnostics === undefined ? {} : ranksComparedAttributes(diagnostics)),
  });
  doc.activity(jobActivity, startMs, endMs, { 'prov:type': qname(`${PROV_ML_PREFIX}:Job`), 'prov-ml:type': 'Job', 'prov-ml:job_id': job.jobKey });
  doc.wasGeneratedBy(collection, jobActivity);
  addMembers(doc, collection, members, run);
  for (const member of members) {
    if (member.rank === null) continue;
    const runActivity = runActivityId(job, member.rank);
    const compared = diagnostics?.ranks.find((rank) => rank.rank === member.rank);
    doc.activity(runActivity, null, null, { 'prov-ml:global_rank': int(member.rank), ...(compared === undefined ? {} : rankComparedAttributes(compared)) });
    doc.wasStartedBy(runActivity, null, jobActivity);
  }
  for (const { node, ranks } of nodes) {
    addNodeAgent(doc, node);
    for (const rank of ranks) doc.wasAssociatedWith(runActivityId(job, rank), nodeAgentId(node.nodeName));
  }
}

/** Adds one entity per member and its hadMember; returns the members' ids. */
function addMembers(doc: ProvDocument, collection: string, members: readonly CollectionMember[], idPrefix: string): string[] {
  return members.map((member, index) => {
    const id = `${idPrefix}.document.${member.rank === null ? `file${index}` : `GR${member.rank}`}`;
    const attributes: Attributes = {
      'prov:type': qname(`${PROV_ML_PREFIX}:ProvMLFile`),
      'prov-ml:type': 'ProvMLFile',
      'prov:label': member.path,
      'prov-ml:path': member.path,
      'prov-ml:sha256': member.sha256,
      'prov-ml:size_bytes': long(member.sizeBytes),
    };
    if (member.rank !== null) attributes['prov-ml:global_rank'] = int(member.rank);
    if (member.finished !== undefined) attributes['prov-ml:finished'] = member.finished;
    doc.entity(id, attributes);
    doc.hadMember(collection, id);
    return id;
  });
}

function collectionType(type = 'ProvMLCollection'): Attributes {
  return { 'prov:type': qname('prov:Collection'), 'prov-ml:type': type };
}
