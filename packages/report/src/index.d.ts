import { type ProgressReporter } from '@prov4ml/aggregator';
export interface ReportOptions {
    /** Told about each document and series read; {@link NO_PROGRESS} by default. */
    readonly progress?: ProgressReporter;
    /** The time the page says it was generated (epoch ms); now by default. */
    readonly generatedMs?: number;
}
export interface ReportResult {
    readonly html: string;
    /** Documents (ranks) read. */
    readonly rankCount: number;
    /** Plots in the page, and lines in them all. */
    readonly plotCount: number;
    readonly lineCount: number;
    /** What the page lists under Notes (missing side files, series left out). */
    readonly notes: readonly string[];
}
/** The report page of `input`, a run directory or one PROV-JSON file; throws UserError for bad input. */
export declare function buildReport(input: string, options?: ReportOptions): Promise<ReportResult>;
export interface WriteReportOptions extends ReportOptions {
    /** File to write; by default `report.html` in the run directory, or `<file>.report.html` beside a single file. */
    readonly output?: string;
}
/** Builds the report of `input` and writes it; returns the result and where it went. */
export declare function writeReport(input: string, options?: WriteReportOptions): Promise<ReportResult & {
    readonly output: string;
}>;
//# sourceMappingURL=index.d.ts.map