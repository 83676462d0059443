/**
 * Over 300 lines: RankWriter writes one rank's document record kind by record kind in the original's layout; read in one place, the document's shape can be checked against yProvML's.
 *
 * The prov4ml vocabulary: one rank's summary as a PROV document. It keeps the original's terms
 * (`prov-ml:` types LearningExecution, TrainingExecution, Metric, Parameter, ModelVersion, Dataset…)
 * and fixes what the original got wrong (reference §7.3): the prefix is a real IRI, values are typed
 * literals, times are ISO-8601 with a zone, the run and the experiment have different ids, activities
 * have start and end times, `source` is the real source, ranks are integers, and every context has
 * its own activity. Metrics carry a summary and the path of the CSV that holds their points.
 */
import { Literal, dateTime, double, int, long, qname } from '../prov/literal.js';
import {
  ProvDocument,
  type Attributes,
  type AttributeValue,
  type ProvBundle,
} from '../prov/model.js';
import type { ArtifactRecord, ContextRecord, ParamRecord, SourceCodeRecord } from '../wire/records.js';
import type { JobIdentity, RankSummary, SeriesSummary } from './rank-summary.js';
import { rankArtifactsPath } from '../run/layout.js';
import { localName } from './local-name.js';
import { addNodeAgent, nodeAgentId, nodeNameOf } from './node-agent.js';

export const PROV_ML_PREFIX = 'prov-ml';
export const PROV_ML_NS = 'https://prov4ml.org/ns#';
/** Default namespace of documents whose program named no user namespace. */
export const DEFAULT_USER_NAMESPACE = 'https://prov4ml.org/run/';

/** The activity type of each built-in context; user-defined contexts get ContextExecution. */
const CONTEXT_ACTIVITY_TYPE: Readonly<Record<string, string>> = {
  TRAINING: 'TrainingExecution',
  VALIDATION: 'ValidationExecution',
  TESTING: 'TestingExecution',
  EVALUATION: 'TestingExecution',
};

/** Interpreters whose first argument, not themselves, is the program's source. */
const INTERPRETER = /^(node|nodejs|python[\d.]*|pypy[\d.]*|bun|deno|tsx|ts-node|Rscript|julia|ruby|perl)$/;

/** The user's namespace as an IRI: the original wrote 'www.example.org' verbatim, which is no IRI. */
export function userNamespaceIri(namespace: string): string {
  const trimmed = namespace.trim();
  if (trimmed === '') return DEFAULT_USER_NAMESPACE;
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed) ? trimmed : `http://${trimmed}`;
  return /[/#]$/.test(withScheme) ? withScheme : `${withScheme}/`;
}

// The node agent's module uses it too, and this module uses that one (no cycle).
export { localName };

/** The document prefix of a rank: `<run name>_GR<rank>`; every id of the rank starts with it. */
export function rankIdPrefix(job: JobIdentity, rank: number): string {
  return `${localName(job.runName)}_GR${rank}`;
}

/** Id of a rank's run activity (the collection links to it). */
export function runActivityId(job: JobIdentity, rank: number): string {
  return `${rankIdPrefix(job, rank)}.execution`;
}

/** Declares the namespaces every prov4ml document uses. */
export function declareNamespaces(doc: ProvDocument, job: JobIdentity): void {
  doc.addNamespace(PROV_ML_PREFIX, PROV_ML_NS);
  doc.setDefaultNamespace(userNamespaceIri(job.provUserNamespace));
}

/** One rank's document, valid on its own. */
export function buildRankDocument(rank: RankSummary): ProvDocument {
  const doc = new ProvDocument();
  declareNamespaces(doc, rank.job);
  addRankRecords(doc, rank);
  return doc;
}

/** Adds one rank's records to a bundle (its own document, or its bundle in a unified document). */
export function addRankRecords(bundle: ProvBundle, rank: RankSummary): void {
  new RankWriter(bundle, rank).write();
}

class RankWriter {
  readonly #bundle: ProvBundle;
  readonly #rank: RankSummary;
  readonly #prefix: string;
  readonly #runActivity: string;
  readonly #taken = new Set<string>();
  readonly #contexts = new Map<string, { id: string; start: number | null; end: number | null }>();
  /** Declared contexts (create_context / log_context) by name: their parent and source of data. */
  readonly #declared: ReadonlyMap<string, ContextRecord>;
  /** Ids of the "Original <name>" entities already written, by original path. */
  readonly #originals = new Map<string, string>();

  constructor(bundle: ProvBundle, rank: RankSummary) {
    this.#bundle = bundle;
    this.#rank = rank;
    this.#prefix = rankIdPrefix(rank.job, rank.rank);
    this.#runActivity = runActivityId(rank.job, rank.rank);
    this.#declared = new Map(rank.contexts.map((context) => [context.name, context]));
  }

  write(): void {
    this.#experimentAndRun();
    this.#describeRun();
    this.#program();
    for (const code of this.#rank.sourceCode) this.#sourceCode(code);
    for (const param of this.#rank.params) this.#param(param);
    for (const series of this.#rank.series) this.#metric(series);
    for (const artifact of this.#rank.artifacts) this.#artifact(artifact);
    this.#datasets();
    this.#finalMetrics();
    // A declared context has its activity even when nothing was logged in it.
    for (const name of this.#declared.keys()) this.#context(name, null, null);
    this.#contextActivities();
  }

  #experimentAndRun(): void {
    const { job, rank } = this.#rank;
    const experiment = localName(job.experimentName);
    this.#bundle.entity(experiment, {
      ...typed('Experiment'),
      'prov:label': job.experimentName,
      'prov-ml:experiment_name': job.experimentName,
    });
    this.#bundle.entity(this.#prefix, {
      ...typed('LearningStage'),
      'prov:label': `${job.runName} rank ${rank}`,
      'prov-ml:run_name': job.runName,
      'prov-ml:experiment_name': job.experimentName,
      'prov-ml:job_id': job.jobKey,
      'prov-ml:global_rank': int(rank),
      'prov-ml:world_size': int(job.worldSize),
      'prov-ml:artifact_uri': rankArtifactsPath(rank),
      'prov-ml:user_namespace': job.provUserNamespace,
    });
    this.#bundle.hadMember(experiment, this.#prefix);
    this.#bundle.wasGeneratedBy(this.#prefix, this.#runActivity);
  }

  #describeRun(): void {
    const { runStart: start, runConfig: config, runEnd: end, carbonAttribution: carbon, job, rank } = this.#rank;
    const attributes: Attributes = { ...typed('LearningExecution'), 'prov-ml:global_rank': int(rank), 'prov-ml:world_size': int(job.worldSize) };
    if (start !== null) {
      Object.assign(attributes, {
        'prov-ml:hostname': start.hostname,
        'prov-ml:pid': long(start.pid),
        'prov-ml:user_id': start.user,
        'prov-ml:argv': JSON.stringify(start.argv),
        'prov-ml:cwd': start.cwd,
        'prov-ml:launcher': start.launcher,
        'prov-ml:job_id': start.jobId,
        'prov-ml:local_rank': int(start.localRank),
        'prov-ml:local_world_size': int(start.localWorldSize),
        'prov-ml:node_rank': int(start.nodeRank),
        'prov-ml:wrapped': start.wrapped,
      });
      if (start.stepId !== null) attributes['prov-ml:step_id'] = start.stepId;
      for (const [tool, version] of Object.entries(start.versions)) attributes[`prov-ml:version_${localName(tool)}`] = version;
    }
    if (config !== null) {
      Object.assign(attributes, {
        'prov-ml:user_namespace': config.provUserNamespace,
        'prov-ml:collect_all_processes': config.collectAllProcesses,
        'prov-ml:save_after_n_logs': long(config.saveAfterNLogs),
      });
      if (config.csvSeparator !== undefined) attributes['prov-ml:csv_separator'] = config.csvSeparator;
      if (config.disableCodecarbon !== undefined) attributes['prov-ml:disable_codecarbon'] = config.disableCodecarbon;
      if (config.metricsFormat !== undefined) attributes['prov-ml:metrics_format'] = config.metricsFormat;
      if (config.zarrCodec !== undefined) attributes['prov-ml:zarr_codec'] = config.zarrCodec;
    }
    if (end !== null) {
      attributes['prov-ml:clean'] = end.clean;
      if (end.exitCode !== null) attributes['prov-ml:exit_code'] = int(end.exitCode);
      if (end.signal !== null) attributes['prov-ml:signal'] = end.signal;
      for (const [kind, count] of Object.entries(end.counts)) attributes[`prov-ml:count_${localName(kind)}`] = long(count);
    }
    attributes['prov-ml:unfinished'] = !this.#rank.finished;
    if (this.#rank.lastSeenMs !== null) attributes['prov-ml:last_seen'] = dateTime(this.#rank.lastSeenMs);
    if (this.#rank.missingFrames > 0) attributes['prov-ml:missing_frames'] = long(this.#rank.missingFrames);
    if (this.#rank.omittedEntries > 0) attributes['prov-ml:omitted_entries'] = long(this.#rank.omittedEntries);
    if (carbon !== null) {
      Object.assign(attributes, {
        'prov-ml:carbon_attribution': carbon.method,
        'prov-ml:carbon_intensity': double(carbon.carbonIntensityGPerKWh),
        'prov-ml:carbon_intensity_unit': 'gCO2eq/kWh',
        'prov-ml:carbon_intensity_source': carbon.intensitySource,
      });
      if (carbon.countryIso !== null) attributes['prov-ml:carbon_country'] = carbon.countryIso;
      if (carbon.region !== null) attributes['prov-ml:carbon_region'] = carbon.region;
    }
    // A program's own agent starts after its start_run call: the run began at the earlier of the two.
    const startTime = start === null && config === null ? this.#rank.firstSeenMs : Math.min(start?.time ?? Infinity, config?.time ?? Infinity);
    const endTime = end?.time ?? this.#rank.lastSeenMs;
    this.#bundle.activity(this.#runActivity, startTime, endTime, attributes);
    if (start !== null) {
      const user = `user_${localName(start.user)}`;
      this.#bundle.agent(user, { 'prov:type': qname('prov:Person'), 'prov-ml:user_id': start.user });
      this.#bundle.wasAssociatedWith(this.#runActivity, user);
      // The node that ran it: described in full when its record reached this rank (node-agent.ts says why an agent).
      const nodeName = nodeNameOf(start);
      const node = this.#rank.node?.nodeName === nodeName ? this.#rank.node : null;
      addNodeAgent(this.#bundle, node ?? { nodeName });
      this.#bundle.wasAssociatedWith(this.#runActivity, nodeAgentId(nodeName));
    }
  }

  /** The program that ran (the original named its own library file here) and its environment. */
  #program(): void {
    const start = this.#rank.runStart;
    if (start === null) return;
    const source = `${this.#prefix}.source_code`;
    const attributes: Attributes = { ...typed('SourceCode'), 'prov-ml:source_name': sourceName(start.argv), 'prov-ml:cwd': start.cwd };
    if (start.gitCommit !== null) attributes['prov-ml:source_git_commit'] = start.gitCommit;
    this.#bundle.entity(source, attributes);
    this.#bundle.used(this.#runActivity, source);
    const environment = `${this.#prefix}.environment`;
    const variables: Attributes = { ...typed('Environment') };
    for (const [name, value] of Object.entries(start.environment)) variables[`prov-ml:env_${localName(name)}`] = value;
    this.#bundle.entity(environment, variables);
    this.#bundle.used(this.#runActivity, environment);
  }

  /** What log_source_code found: where the code is and, in a git work tree, its commit, remote and branch. */
  #sourceCode(code: SourceCodeRecord): void {
    const id = this.#id('source_code.logged');
    const attributes: Attributes = { ...typed('SourceCode'), 'prov-ml:creation_timestamp': dateTime(code.time) };
    if (code.path !== null) Object.assign(attributes, { 'prov:label': code.path, 'prov-ml:source_path': code.path });
    if (code.gitCommit !== null) attributes['prov-ml:source_git_commit'] = code.gitCommit;
    if (code.gitRemote !== null) attributes['prov-ml:source_git_remote'] = code.gitRemote;
    if (code.gitBranch !== null) attributes['prov-ml:source_git_branch'] = code.gitBranch;
    this.#bundle.entity(id, attributes);
    this.#bundle.used(this.#runActivity, id, code.time);
  }

  /**
   * A parameter is used by the run; one the program marked as an output (is_input=False in the newest
   * API) is generated by it instead. Older clients say neither and keep the first relation.
   */
  #param(param: ParamRecord): void {
    const { name, value } = param;
    const context = param.context ?? null;
    const id = this.#id(context === null ? `param.${localName(name)}` : `param.${localName(context)}.${localName(name)}`);
    const attributes: Attributes = { ...typed('Parameter'), 'prov:label': name, 'prov-ml:parameter_name': name };
    if (value === null) attributes['prov-ml:parameter_is_null'] = true;
    else attributes['prov-ml:parameter_value'] = paramLiteral(value);
    if (context !== null) attributes['prov-ml:context'] = context;
    if (param.source != null) attributes['prov-ml:source'] = param.source;
    if (param.isInput !== undefined) attributes['prov-ml:role'] = param.isInput ? 'input' : 'output';
    this.#bundle.entity(id, attributes);
    if (param.isInput === false) this.#bundle.wasGeneratedBy(id, this.#runActivity);
    else this.#bundle.used(this.#runActivity, id);
  }

  #metric(series: SeriesSummary): void {
    const id = this.#id(`metric.${localName(series.context)}.${localName(series.name)}`);
    const attributes: Attributes = {
      ...typed('Metric'),
      'prov:label': series.name,
      'prov-ml:name': series.name,
      'prov-ml:context': series.context,
      'prov-ml:source': series.source,
      'prov-ml:unit': series.unit,
      'prov-ml:metric_file': series.file,
      'prov-ml:count': long(series.count),
      'prov-ml:nan_count': long(series.nanCount),
    };
    optional(attributes, 'prov-ml:first_step', series.firstStep, long);
    optional(attributes, 'prov-ml:last_step', series.lastStep, long);
    optional(attributes, 'prov-ml:min', series.min, double);
    optional(attributes, 'prov-ml:max', series.max, double);
    optional(attributes, 'prov-ml:last_value', series.lastValue, double);
    optional(attributes, 'prov-ml:first_timestamp', series.firstTimestampMs, dateTime);
    optional(attributes, 'prov-ml:last_timestamp', series.lastTimestampMs, dateTime);
    this.#bundle.entity(id, attributes);
    this.#bundle.wasGeneratedBy(id, this.#context(series.context, series.firstTimestampMs, series.lastTimestampMs));
  }

  /**
   * An output artifact is generated by its context's activity, an input one (is_input) used by it. A
   * copy in the run directory is derived from its original, an "Original <name>" entity carrying the
   * path the program logged (one per original path); an artifact left in place is that path itself; a
   * file the client wrote for the run (scratchCopy) has no original.
   */
  #artifact(artifact: ArtifactRecord): void {
    const isModel = artifact.role === 'model_version' || artifact.role === 'model_version_final' || artifact.isModel === true;
    const { storedPath } = artifact;
    const id = this.#id(`artifact.${localName(storedPath?.replace(/^artifacts\/GR\d+\//, '') ?? artifact.name)}`);
    const attributes: Attributes = {
      ...typed(artifact.role === 'source_code' ? 'SourceCode' : isModel ? 'ModelVersion' : 'Artifact'),
      'prov:label': artifact.name,
      ...(artifact.scratchCopy === true ? {} : { 'prov-ml:original_path': artifact.originalPath }),
      'prov-ml:size_bytes': long(artifact.sizeBytes),
      'prov-ml:sha256': artifact.sha256,
      'prov-ml:role': artifact.role,
      'prov-ml:context': artifact.context,
      'prov-ml:is_directory': artifact.isDirectory,
      'prov-ml:creation_timestamp': dateTime(artifact.time),
      'prov-ml:copied': storedPath !== null,
    };
    if (storedPath !== null) attributes['prov-ml:artifact_path'] = storedPath;
    if (isModel) attributes['prov-ml:final'] = artifact.role === 'model_version_final';
    if (artifact.isInput !== undefined) attributes['prov-ml:is_input'] = artifact.isInput;
    optional(attributes, 'prov-ml:step', artifact.step, long);
    this.#bundle.entity(id, attributes);
    const context = this.#context(artifact.context, artifact.time, artifact.time);
    if (artifact.isInput === true) this.#bundle.used(context, id, artifact.time);
    else this.#bundle.wasGeneratedBy(id, context, artifact.time);
    if (storedPath !== null && artifact.scratchCopy !== true) this.#bundle.wasDerivedFrom(id, this.#original(artifact));
  }

  #original(artifact: ArtifactRecord): string {
    let id = this.#originals.get(artifact.originalPath);
    if (id === undefined) {
      id = this.#id(`original.${localName(artifact.originalPath)}`);
      this.#originals.set(artifact.originalPath, id);
      this.#bundle.entity(id, { ...typed('OriginalArtifact'), 'prov:label': `Original ${artifact.name}`, 'prov-ml:original_path': artifact.originalPath });
    }
    return id;
  }

  #datasets(): void {
    for (const dataset of this.#rank.datasets) {
      const id = this.#id(`dataset.${localName(dataset.context)}.${localName(dataset.label)}`);
      const attributes: Attributes = { ...typed('Dataset'), 'prov:label': dataset.label, 'prov-ml:context': dataset.context };
      for (const [key, value] of Object.entries(dataset.stats)) {
        if (value !== null) attributes[`prov-ml:stat_${localName(key)}`] = paramLiteral(value);
      }
      this.#bundle.entity(id, attributes);
      this.#bundle.used(this.#context(dataset.context, dataset.time, dataset.time), id, dataset.time);
    }
  }

  #finalMetrics(): void {
    if (this.#rank.finalMetrics.length === 0) return;
    const id = `${this.#prefix}.final_run_statistics`;
    const attributes: Attributes = { ...typed('RunStatistics') };
    for (const metric of this.#rank.finalMetrics) {
      const key = localName(metric.name);
      attributes[`prov-ml:${key}`] = double(metric.value);
      attributes[`prov-ml:${key}_operation`] = metric.operation;
      attributes[`prov-ml:${key}_count`] = long(metric.count);
    }
    this.#bundle.entity(id, attributes);
    this.#bundle.wasGeneratedBy(id, this.#runActivity);
  }

  /** Id of a context's activity, widening its time span; the activities are written last. */
  #context(context: string, from: number | null, to: number | null): string {
    let entry = this.#contexts.get(context);
    if (entry === undefined) {
      entry = { id: `${this.#prefix}.context.${localName(context)}`, start: null, end: null };
      this.#contexts.set(context, entry);
    }
    if (from !== null && (entry.start === null || from < entry.start)) entry.start = from;
    if (to !== null && (entry.end === null || to > entry.end)) entry.end = to;
    return entry.id;
  }

  /** Every context's activity, informed by its parent context when the program declared one, else by the run. */
  #contextActivities(): void {
    // A declared parent that nothing else mentions still gets its activity.
    for (const declared of this.#declared.values()) if (declared.parent !== null) this.#context(declared.parent, null, null);
    for (const [context, { id, start, end }] of this.#contexts) {
      const declared = this.#declared.get(context);
      const attributes: Attributes = { ...typed(CONTEXT_ACTIVITY_TYPE[context] ?? 'ContextExecution'), 'prov-ml:context': context };
      if (declared?.parent != null) attributes['prov-ml:parent_context'] = declared.parent;
      if (declared?.sourceOfData != null) attributes['prov-ml:source_of_data'] = declared.sourceOfData;
      this.#bundle.activity(id, start, end, attributes);
      const parent = declared?.parent;
      this.#bundle.wasInformedBy(id, parent == null ? this.#runActivity : this.#contexts.get(parent)!.id);
    }
  }

  /** `<prefix>.<suffix>`, made unique within the rank (`~2`, `~3`… for a repeated name). */
  #id(suffix: string): string {
    const base = `${this.#prefix}.${suffix}`;
    let id = base;
    for (let n = 2; this.#taken.has(id); n++) id = `${base}~${n}`;
    this.#taken.add(id);
    return id;
  }
}

/** prov:type as a qualified name and, for the original's readers, prov-ml:type as its string. */
function typed(type: string): Attributes {
  return { 'prov:type': qname(`${PROV_ML_PREFIX}:${type}`), 'prov-ml:type': type };
}

function optional<T>(attributes: Attributes, key: string, value: T | null, literal: (value: T) => Literal): void {
  if (value !== null) attributes[key] = literal(value);
}

/** Integers as xsd:long, other numbers as xsd:double, strings and booleans as JSON. */
function paramLiteral(value: string | number | boolean): AttributeValue {
  if (typeof value !== 'number') return value;
  return Number.isSafeInteger(value) ? long(value) : double(value);
}

/** The program's own file: the first argument after an interpreter, else the command itself. */
function sourceName(argv: readonly string[]): string {
  const command = argv[0] ?? '';
  const base = command.slice(command.lastIndexOf('/') + 1);
  if (INTERPRETER.test(base)) return argv.slice(1).find((arg) => !arg.startsWith('-')) ?? command;
  return command;
}
