/** SVG rendering of DOT through Graphviz compiled to WebAssembly, so no system Graphviz is needed. */
import { UserError } from '../errors.js';
import { oneLine } from '../text.js';

/** The part of @hpcc-js/wasm's Graphviz we use (its published types point at a package it does not ship). */
interface GraphvizRenderer {
  dot(source: string, format?: 'svg'): string;
}

interface GraphvizModule {
  Graphviz: { load(): Promise<GraphvizRenderer> };
}

/** Loaded on first use: instantiating the WebAssembly module takes a noticeable moment. */
let renderer: Promise<GraphvizRenderer> | undefined;

/** Renders DOT to SVG with the `dot` layout; throws UserError naming `source` when Graphviz rejects it. */
export async function dotToSvg(dot: string, source = 'DOT'): Promise<string> {
  renderer ??= import('@hpcc-js/wasm/graphviz').then((module) => (module as unknown as GraphvizModule).Graphviz.load());
  const graphviz = await renderer;
  try {
    return graphviz.dot(dot, 'svg');
  } catch (error) {
    throw new UserError(`${oneLine(source)}: Graphviz cannot render it: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  }
}
