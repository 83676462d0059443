// @prov4ml/report: the HTML report of a run (`prov4ml report`).
export { writeRunCrate, zipRunDirectory, runPackager, type CrateOptions, type CrateResult, type RunZipResult } from './crate/crate.js';
export { buildReport, writeReport, type ReportOptions, type ReportResult, type WriteReportOptions } from './report.js';
