/**
 * Longest line accepted. A real row is under 80 characters; a longer "line" means the file is not
 * one of ours (or is corrupt), and buffering it whole could take any amount of memory.
 */
export declare const MAX_METRIC_CSV_LINE_CHARS = 4096;
/** Bytes read at a time: large reads cut the per-chunk cost that dominates a 100k-row file. */
export declare const METRIC_CSV_READ_CHUNK_BYTES: number;
/** Calls `visit(step, value)` for each row of the CSV at `path`; throws UserError naming the path and line. */
export declare function forEachMetricCsvPoint(path: string, visit: (step: number, value: number) => void): Promise<void>;
//# sourceMappingURL=metric-csv.d.ts.map