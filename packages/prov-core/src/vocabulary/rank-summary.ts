/**
 * What the aggregator knows about one rank once its records are in: the input of the vocabulary
 * (records → PROV). Metric points themselves are not here, only their summaries and the CSV file
 * that holds them, so a document stays small whatever the run logged.
 */
import type {
  ArtifactRecord,
  CarbonAttributionRecord,
  ContextRecord,
  DatasetRecord,
  FinalMetricRecord,
  NodeRecord,
  ParamRecord,
  RunConfigRecord,
  RunEndRecord,
  RunStartRecord,
  SourceCodeRecord,
} from '../wire/records.js';

/** One metric of one context, summarised. min/max ignore NaN (counted apart) but keep ±Infinity. */
export interface SeriesSummary {
  name: string;
  context: string;
  source: string;
  unit: string;
  count: number;
  nanCount: number;
  firstStep: number | null;
  lastStep: number | null;
  /** null when there is no non-NaN value. */
  min: number | null;
  max: number | null;
  lastValue: number | null;
  firstTimestampMs: number | null;
  lastTimestampMs: number | null;
  /** The CSV holding every point, relative to the run directory (`metrics/<name>_<CONTEXT>_GR<r>.csv`). */
  file: string;
}

/** Where the job and its documents live; shared by every rank of the job. */
export interface JobIdentity {
  jobKey: string;
  worldSize: number;
  /** Names the documents (`prov_<experiment>_GR<r>.json`): the first startRun of the job, else the run directory's. */
  experimentName: string;
  /** Base name of the run directory, `<experiment>_<run_id>`. */
  runName: string;
  /** The user namespace (default namespace of the documents) as the program gave it. */
  provUserNamespace: string;
}

export interface RankSummary {
  job: JobIdentity;
  rank: number;
  /** The sender whose records these are (the first one the aggregator heard from this rank). */
  sender: string | null;
  runStart: RunStartRecord | null;
  runConfig: RunConfigRecord | null;
  runEnd: RunEndRecord | null;
  /** Last value per parameter name and context, in the order they were first logged. */
  params: ParamRecord[];
  series: SeriesSummary[];
  artifacts: ArtifactRecord[];
  datasets: DatasetRecord[];
  /** Last result per final-metric name. */
  finalMetrics: FinalMetricRecord[];
  carbonAttribution: CarbonAttributionRecord | null;
  /**
   * The node this rank ran on, as its node's local rank 0 described it (finalisation gives it to every
   * rank of the node); null or absent when no node record arrived.
   */
  node?: NodeRecord | null;
  /** Contexts the program declared, last declaration per name, in the order first declared. */
  contexts: ContextRecord[];
  /** What log_source_code found, last call per path, in the order first logged. */
  sourceCode: SourceCodeRecord[];
  /** Envelope send times (agent clock, epoch ms) of the first and last frame received; null if none. */
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  /** Frames whose sequence numbers never arrived (a gap before the last frame received). */
  missingFrames: number;
  /** True when the run end arrived with every frame before it. */
  finished: boolean;
  /** Records left out because the rank exceeded the aggregator's bound on distinct entries. */
  omittedEntries: number;
}
