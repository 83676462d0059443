/**
 * Each rank's provenance graph as SVG fit to sit inline in the page: Graphviz's XML prologue and
 * comments dropped, element ids made unique per rank (the page holds many graphs), and node links
 * made inert, so that nothing in the page can lead the browser off the file.
 */
import { dotToSvg, isUserError, toDot, type ProvDocument } from '@prov4ml/prov-core';
import type { RankGraph } from './run-contents.js';

/**
 * Documents with more records than this are not laid out: Graphviz takes minutes over them, and
 * the picture would be unreadable anyway (`prov4ml prov2dot` still draws them).
 */
export const MAX_GRAPH_RECORDS = 2000;

/**
 * Characters of graph SVG the page holds in all; graphs past it are listed, not drawn. Graphs come
 * in rank order, so rank 0 is always drawn; with many ranks the documents look alike anyway.
 */
export const MAX_GRAPH_SVG_CHARS = 1_500_000;

/** Hands out the page's graph budget, rank by rank. */
export class GraphBudget {
  #usedChars = 0;

  /** Renders `doc` for `rank`, or says why it is left out. */
  async render(rank: number, doc: ProvDocument): Promise<RankGraph> {
    const recordCount = countRecords(doc);
    if (recordCount > MAX_GRAPH_RECORDS) {
      return { rank, omitted: `${recordCount} records are too many to lay out (limit ${MAX_GRAPH_RECORDS}); use prov4ml prov2dot` };
    }
    if (this.#usedChars >= MAX_GRAPH_SVG_CHARS) {
      return { rank, omitted: 'left out to keep the page small (the graphs of earlier ranks are shown)' };
    }
    let svg: string;
    try {
      svg = inlineSvg(await dotToSvg(toDot(doc), `graph of rank ${rank}`), `g${rank}-`);
    } catch (error) {
      // One graph Graphviz cannot draw must not cost the reader the rest of the page.
      if (!isUserError(error)) throw error;
      return { rank, omitted: error.message };
    }
    if (this.#usedChars + svg.length > MAX_GRAPH_SVG_CHARS && this.#usedChars > 0) {
      return { rank, omitted: 'left out to keep the page small (the graphs of earlier ranks are shown)' };
    }
    this.#usedChars += svg.length;
    return { rank, svg };
  }
}

/**
 * A wide graph is shrunk to the page's width (CSS), but never below this fraction of its natural
 * size: Graphviz's 14pt labels stay readable at half size, and the view scrolls beyond.
 */
const MIN_GRAPH_SCALE = 0.5;
const PX_PER_PT = 4 / 3;

/** Graphviz SVG → an `<svg>` element for inline use, its ids prefixed with `idPrefix`. */
export function inlineSvg(svg: string, idPrefix: string): string {
  const start = svg.indexOf('<svg');
  if (start < 0) throw new TypeError('inlineSvg(svg): no <svg> element in the input');
  const widthPt = Number(/<svg[^>]*?\swidth="([\d.]+)pt"/.exec(svg)?.[1]);
  const minWidth = Number.isFinite(widthPt) ? ` style="min-width:${Math.round(widthPt * PX_PER_PT * MIN_GRAPH_SCALE)}px"` : '';
  return svg
    .slice(start)
    .replace('<svg', `<svg${minWidth}`)
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .replace(/\bid="/g, `id="${idPrefix}`)
    .replace(/url\(#/g, `url(#${idPrefix}`)
    .replace(/<a\b[^>]*>/g, '<g>')
    .replace(/<\/a>/g, '</g>')
    .trim();
}

function countRecords(doc: ProvDocument): number {
  let count = doc.records().length;
  for (const bundle of doc.bundles().values()) count += bundle.records().length;
  return count;
}
