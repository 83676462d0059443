// @prov4ml/report: the HTML report of a run (`prov4ml report`).
export { buildReport, writeReport, type ReportOptions, type ReportResult, type WriteReportOptions } from './report.js';
export { readRanksCompared, type RanksComparedReading } from './ranks-compared.js';
export { ranksComparedLines, ranksComparedSection } from './ranks-compared-section.js';
