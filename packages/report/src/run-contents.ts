/**
 * What a report shows, independent of where it came from (our run directory, or the original's
 * G1/G3 files): facts per rank, metric series to plot (loaded lazily, one at a time), graphs, notes.
 */

/** Which writer produced the documents. */
export type DocumentGeneration = 'prov4ml' | 'yProvML G1/G2' | 'yProvML G3';

/** One parameter as one rank logged it. */
export interface ParameterValue {
  readonly name: string;
  /** As text: the report shows values, it does not compute with them. */
  readonly value: string;
}

/** A final metric (`registerFinalMetric`, or the original's `final_run_statistics`). */
export interface FinalMetricValue {
  readonly name: string;
  readonly value: number;
  /** e.g. 'MIN'; null when the document does not say. */
  readonly operation: string | null;
}

/** What one rank's document says about that rank. Absent facts are null (the original records few). */
export interface RankFacts {
  readonly rank: number;
  /** File the facts came from, relative to the report's input when it is a directory. */
  readonly document: string;
  readonly generation: DocumentGeneration;
  readonly experiment: string | null;
  readonly runId: string | null;
  readonly jobId: string | null;
  readonly launcher: string | null;
  readonly worldSize: number | null;
  readonly host: string | null;
  readonly pid: number | null;
  readonly user: string | null;
  readonly command: string | null;
  /** Epoch milliseconds. */
  readonly startMs: number | null;
  readonly endMs: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** false: the rank did not end cleanly (killed, or the run never ended); null: not recorded. */
  readonly clean: boolean | null;
  readonly parameters: readonly ParameterValue[];
  readonly finalMetrics: readonly FinalMetricValue[];
  /** The run's prov_user_namespace (the agent of the run); null when the document does not say. */
  readonly userNamespace: string | null;
  /** Artifacts, model versions, source code and datasets the rank used or produced (our documents only). */
  readonly entities: readonly RankEntityFact[];
}

/** An artifact, model version, source code or dataset of a rank, as its document records it. */
export interface RankEntityFact {
  readonly kind: 'artifact' | 'model' | 'source' | 'dataset';
  readonly name: string;
  /** Its copy in the run directory, relative to it; null when it was left in place or is no file. */
  readonly path: string | null;
  /** Where the program had it; null for a dataset. */
  readonly originalPath: string | null;
  /** Used by the rank (an input), rather than produced by it. */
  readonly input: boolean;
}

/** Points of one series: parallel arrays, NaN and ±Infinity kept. */
export interface SeriesPoints {
  readonly steps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/**
 * A metric series of one rank, with a way to visit its points. Visiting may read a file, so it is
 * asynchronous and may be repeated (a series too long to hold in memory is read twice).
 */
export interface SeriesSource {
  readonly rank: number;
  readonly name: string;
  /** Context name as our files spell it, e.g. 'TRAINING' (the original's 'Context.TRAINING' is normalised). */
  readonly context: string;
  /** e.g. 'W', '%', 'gCO2eq'; '' when unknown. */
  readonly unit: string;
  /** Value at the largest step when the document says it without reading the points (our summaries); else null. */
  readonly lastValue: number | null;
  /** The file holding the points, relative to the run directory, when the document names one there. */
  readonly file?: string;
  /** Calls `visit` for every point in file order. Throws UserError naming the file when it is unreadable. */
  forEachPoint(visit: (step: number, value: number) => void): Promise<void>;
}

/** What a reader got from one rank's document. */
export interface RankReading {
  readonly facts: RankFacts;
  readonly series: readonly SeriesSource[];
  /** Things it could not use (a missing side file), one line each. */
  readonly notes: readonly string[];
}

/** A rank's provenance graph, rendered, or why it is not in the page. */
export type RankGraph =
  | { readonly rank: number; readonly svg: string }
  | { readonly rank: number; readonly omitted: string };

/** Everything read from the input, before plotting. */
export interface RunContents {
  readonly ranks: readonly RankFacts[];
  readonly series: readonly SeriesSource[];
  readonly graphs: readonly RankGraph[];
  /** Things the reader could not use (missing side files, unreadable files), one line each. */
  readonly notes: readonly string[];
}
