import { type ProvDocument } from '@prov4ml/prov-core';
import type { DocumentGeneration } from './model.js';
export interface DocumentFile {
    /** Path to read. */
    readonly path: string;
    /** File name, as the page names it. */
    readonly name: string;
    /** Rank from the file name (`_GR<r>`), null when the name has none (a G1 rank-0 file). */
    readonly rank: number | null;
}
export interface RunDocuments {
    /** Directory the documents' relative references (metric files) are resolved against. */
    readonly directory: string;
    /** In rank order, one per rank. */
    readonly files: readonly DocumentFile[];
    /** Files that were passed over (a second document for a rank), one line each. */
    readonly notes: readonly string[];
}
/** The documents of `input` (a run directory or one PROV-JSON file); throws UserError naming `input`. */
export declare function findRunDocuments(input: string): Promise<RunDocuments>;
/** Reads and parses one document; throws UserError naming the file. */
export declare function readProvDocument(file: DocumentFile): Promise<ProvDocument>;
/** A UTF-8 file of at most {@link MAX_INPUT_TEXT_BYTES}; throws UserError naming the path. */
export declare function readTextFile(path: string): Promise<string>;
/**
 * `relative` (a path a document names) resolved in `directory`, or null when it would leave it: a
 * document can be edited by anyone, and the report must not read files it was not pointed at.
 */
export declare function pathInside(directory: string, relative: string): string | null;
/** Which writer produced `doc`, from its prefixes and attribute names. */
export declare function detectGeneration(doc: ProvDocument): DocumentGeneration;
//# sourceMappingURL=documents.d.ts.map