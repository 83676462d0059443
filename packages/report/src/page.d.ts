import type { RankFacts, RankGraph } from './model.js';
import { type PlotInput } from './plot.js';
import { type JobSummary, type ResourceTotal } from './summary.js';
export interface PageInput {
    readonly input: string;
    readonly generatedMs: number;
    readonly job: JobSummary;
    readonly ranks: readonly RankFacts[];
    readonly totals: readonly ResourceTotal[];
    readonly plots: readonly PlotInput[];
    readonly graphs: readonly RankGraph[];
    readonly notes: readonly string[];
}
export declare function renderPage(page: PageInput): string;
//# sourceMappingURL=page.d.ts.map