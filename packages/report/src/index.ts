// @prov4ml/report: the HTML report of a run (`prov4ml report`).
export { buildReport, writeReport, type ReportOptions, type ReportResult, type WriteReportOptions } from './report.js';
export { watchJob, type WatchOptions, type WatchResult } from './watch/watch.js';
