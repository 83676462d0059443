/**
 * What one of our per-rank documents says about its rank (the vocabulary of prov-core's
 * `vocabulary.ts`), and its metric series, whose points are in the CSV files the metric entities name.
 */
import type { ProvDocument } from '@prov4ml/prov-core';
import { type DocumentFile } from './documents.js';
import type { RankReading } from './model.js';
export declare function readProv4mlRank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading;
//# sourceMappingURL=prov4ml-rank.d.ts.map