export { startAggregator, type Aggregator, type AggregatorOptions } from './aggregator.js';
export { mergeRunDir, type MergeOptions, SPOOL_DIR } from './merge.js';
export { finalizeJob, type FinalizeInput, type FinalizeResult, type RankOutcome, type RankSources } from './finalize.js';
export { safeNameComponent, metricFileStem, rankDocumentStem, COLLECTION_FILE } from './names.js';
export { RECEIVED_LOG_DIR, receivedLogPath } from './received-log.js';
export { CSV_HEADER, csvValue } from './csv-format.js';
export { writeDirectoryCollection, type DirectoryCollectionOptions, type DirectoryCollectionResult } from './directory-collection.js';
export { buildReport, writeReport, type ReportOptions, type ReportResult, type WriteReportOptions } from './report/index.js';
export { progressBar, NO_PROGRESS, PROGRESS_REDRAW_INTERVAL_MS, type ProgressReporter, type ProgressBarOptions, type ProgressStream } from './progress.js';
