/**
 * Each rank's provenance graph as SVG fit to sit inline in the page: Graphviz's XML prologue and
 * comments dropped, element ids made unique per rank (the page holds many graphs), and node links
 * made inert, so that nothing in the page can lead the browser off the file.
 */
import { type ProvDocument } from '@prov4ml/prov-core';
import type { RankGraph } from './model.js';
/**
 * Documents with more records than this are not laid out: Graphviz takes minutes over them, and
 * the picture would be unreadable anyway (`prov4ml prov2dot` still draws them).
 */
export declare const MAX_GRAPH_RECORDS = 2000;
/**
 * Characters of graph SVG the page holds in all; graphs past it are listed, not drawn. Graphs come
 * in rank order, so rank 0 is always drawn; with many ranks the documents look alike anyway.
 */
export declare const MAX_GRAPH_SVG_CHARS = 1500000;
/** Hands out the page's graph budget, rank by rank. */
export declare class GraphBudget {
    #private;
    /** Renders `doc` for `rank`, or says why it is left out. */
    render(rank: number, doc: ProvDocument): Promise<RankGraph>;
}
/** Graphviz SVG → an `<svg>` element for inline use, its ids prefixed with `idPrefix`. */
export declare function inlineSvg(svg: string, idPrefix: string): string;
//# sourceMappingURL=graph.d.ts.map