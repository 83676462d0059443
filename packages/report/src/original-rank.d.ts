import { type ProvDocument } from '@prov4ml/prov-core';
import { type DocumentFile } from './documents.js';
import type { RankReading } from './model.js';
/** Facts and series of a G1/G2 document. */
export declare function readG1Rank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading;
/** Facts and series of a G3 document; its side files are read when the series is plotted. */
export declare function readG3Rank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading;
//# sourceMappingURL=original-rank.d.ts.map