export { startAggregator, type Aggregator, type AggregatorOptions } from './receive/aggregator.js';
export { mergeRunDir, type MergeOptions } from './directory/merge.js';
export { finalizeJob, type FinalizeInput, type FinalizeResult, type RankOutcome, type RankSources } from './finalize/finalize.js';
export { CSV_HEADER, csvHeader, csvValue, separatorOfHeader } from './finalize/csv-format.js';
export { writeDirectoryCollection, type DirectoryCollectionOptions, type DirectoryCollectionResult } from './directory/collection.js';
export { progressBar, NO_PROGRESS, PROGRESS_REDRAW_INTERVAL_MS, type ProgressReporter, type ProgressBarOptions, type ProgressStream } from './finalize/progress.js';
export { writeRankDocumentsNow, type RankDocumentsRequest, type RankDocumentPaths } from './finalize/rank-documents.js';
export type { CrateWriter } from './finalize/crate-writer.js';
export { writeUnifiedExperiment, defaultUnifiedPath, type UnifyOptions, type UnifyResult } from './directory/unify.js';
