/** The reading half of a report: every rank's document, its facts, its series and its graph. */
import type { ProvDocument } from '@prov4ml/prov-core';
import { NO_PROGRESS, type ProgressReporter } from '@prov4ml/aggregator';
import { detectGeneration, findRunDocuments, readProvDocument, type DocumentFile } from './documents.js';
import { GraphBudget } from './graph.js';
import type { RankGraph, RankReading, RunContents } from './run-contents.js';
import { readG1Rank, readG3Rank } from './original-rank.js';
import { readProv4mlRank } from './prov4ml-rank.js';

/** Reads `input` (a run directory or one PROV-JSON file), one document at a time; `graphs: false` draws none (the crate needs none). */
export async function readRun(input: string, progress: ProgressReporter = NO_PROGRESS, options: { graphs?: boolean } = {}): Promise<RunContents> {
  const documents = await findRunDocuments(input);
  progress.addTotal(documents.files.length);
  const graphs = new GraphBudget();
  const readings: RankReading[] = [];
  const rankGraphs: RankGraph[] = [];
  for (const file of documents.files) {
    const doc = await readProvDocument(file);
    const reading = readRank(doc, file, documents.directory);
    readings.push(reading);
    if (options.graphs !== false) rankGraphs.push(await graphs.render(reading.facts.rank, doc));
    progress.advance(file.name);
  }
  return {
    ranks: readings.map((reading) => reading.facts),
    series: readings.flatMap((reading) => reading.series),
    graphs: rankGraphs,
    notes: [...documents.notes, ...readings.flatMap((reading) => reading.notes)],
  };
}

function readRank(doc: ProvDocument, file: DocumentFile, directory: string): RankReading {
  switch (detectGeneration(doc)) {
    case 'prov4ml':
      return readProv4mlRank(doc, file, directory);
    case 'yProvML G1/G2':
      return readG1Rank(doc, file, directory);
    case 'yProvML G3':
      return readG3Rank(doc, file, directory);
  }
}
