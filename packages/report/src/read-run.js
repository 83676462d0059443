import { NO_PROGRESS } from '@prov4ml/aggregator';
import { detectGeneration, findRunDocuments, readProvDocument } from './documents.js';
import { GraphBudget } from './graph.js';
import { readG1Rank, readG3Rank } from './original-rank.js';
import { readProv4mlRank } from './prov4ml-rank.js';
/** Reads `input` (a run directory or one PROV-JSON file), one document at a time. */
export async function readRun(input, progress = NO_PROGRESS) {
    const documents = await findRunDocuments(input);
    progress.addTotal(documents.files.length);
    const graphs = new GraphBudget();
    const readings = [];
    const rankGraphs = [];
    for (const file of documents.files) {
        const doc = await readProvDocument(file);
        const reading = readRank(doc, file, documents.directory);
        readings.push(reading);
        rankGraphs.push(await graphs.render(reading.facts.rank, doc));
        progress.advance(file.name);
    }
    return {
        ranks: readings.map((reading) => reading.facts),
        series: readings.flatMap((reading) => reading.series),
        graphs: rankGraphs,
        notes: [...documents.notes, ...readings.flatMap((reading) => reading.notes)],
    };
}
function readRank(doc, file, directory) {
    switch (detectGeneration(doc)) {
        case 'prov4ml':
            return readProv4mlRank(doc, file, directory);
        case 'yProvML G1/G2':
            return readG1Rank(doc, file, directory);
        case 'yProvML G3':
            return readG3Rank(doc, file, directory);
    }
}
//# sourceMappingURL=read-run.js.map