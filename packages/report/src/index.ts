// @prov4ml/report: the HTML report of a run (`prov4ml report`).
export { watchJob, type WatchOptions, type WatchResult } from './watch/watch.js';
// The pieces of one watch refresh, for the bench's CPU-per-frame figure.
export { JobWatch } from './watch/job-watch.js';
export { jobView, type JobView, type ViewOptions } from './watch/job-view.js';
export { renderFrame, type FrameSize } from './watch/render.js';
export { writeRunCrate, zipRunDirectory, runPackager, type CrateOptions, type CrateResult, type RunZipResult } from './crate/crate.js';
export { buildReport, writeReport, type ReportOptions, type ReportResult, type WriteReportOptions } from './report.js';
export { readRanksCompared, type RanksComparedReading } from './ranks-compared.js';
export { ranksComparedLines, ranksComparedSection } from './ranks-compared-section.js';
export { writeComparison, type CompareRequest, type ComparisonResult } from './compare/compare-runs.js';
export type { RankChoice } from './compare/compare-page.js';
export { readMetricFile, forEachMetricPoint, type MetricColumns, type MetricFileContents } from './metric-files/read-metric-file.js';
