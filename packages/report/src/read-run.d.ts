import { type ProgressReporter } from '@prov4ml/aggregator';
import type { RunContents } from './model.js';
/** Reads `input` (a run directory or one PROV-JSON file), one document at a time. */
export declare function readRun(input: string, progress?: ProgressReporter): Promise<RunContents>;
//# sourceMappingURL=read-run.d.ts.map