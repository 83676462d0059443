/**
 * Finding the per-rank PROV-JSON documents a report reads: in a run directory of ours
 * (`prov_<exp>_GR<r>.json`), of the original (G1/G2 `provgraph_<exp>[_GR<r>].json`, G3
 * `prov_<exp>_GR<r>_<run>.json`), or a single file of any of them.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { MAX_INPUT_TEXT_BYTES, UserError, decodeUtf8, parseProvJson } from '@prov4ml/prov-core';
const G3_NAME = /^prov_(.+)_GR(\d+)_(\d+)\.json$/;
const PROV4ML_NAME = /^prov_(.+)_GR(\d+)\.json$/;
const G1_NAME = /^provgraph_(.+?)(?:_GR(\d+))?\.json$/;
/** The rank a document's file name gives, or undefined when the name is not a per-rank document's. */
function rankFromFileName(name) {
    const match = G3_NAME.exec(name) ?? PROV4ML_NAME.exec(name) ?? G1_NAME.exec(name);
    if (match === null)
        return undefined;
    return match[2] === undefined ? null : Number(match[2]);
}
/** The documents of `input` (a run directory or one PROV-JSON file); throws UserError naming `input`. */
export async function findRunDocuments(input) {
    const info = await stat(input).catch((error) => {
        throw new UserError(`${input}: ${error.code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${error.code ?? error.message}`}`);
    });
    if (info.isFile()) {
        const name = basename(input);
        return { directory: dirname(input), files: [{ path: input, name, rank: rankFromFileName(name) ?? null }], notes: [] };
    }
    if (!info.isDirectory())
        throw new UserError(`${input}: not a file or directory`);
    const byRank = new Map();
    const notes = [];
    for (const name of (await readdir(input)).sort()) {
        const rank = rankFromFileName(name);
        if (rank === undefined)
            continue;
        const file = { path: join(input, name), name, rank };
        const key = rank ?? 0;
        const earlier = byRank.get(key);
        if (earlier === undefined)
            byRank.set(key, file);
        else
            notes.push(`${name}: a second document for rank ${key} (after ${earlier.name}); not shown`);
    }
    if (byRank.size === 0) {
        throw new UserError(`${input}: no per-rank PROV-JSON documents here (prov_<experiment>_GR<rank>.json, or the original's provgraph_*.json)`);
    }
    const files = [...byRank.entries()].sort(([a], [b]) => a - b).map(([, file]) => file);
    return { directory: input, files, notes };
}
/** Reads and parses one document; throws UserError naming the file. */
export async function readProvDocument(file) {
    return parseProvJson(await readTextFile(file.path), file.path);
}
/** A UTF-8 file of at most {@link MAX_INPUT_TEXT_BYTES}; throws UserError naming the path. */
export async function readTextFile(path) {
    let bytes;
    try {
        const info = await stat(path);
        if (info.size > MAX_INPUT_TEXT_BYTES)
            throw new UserError(`${path}: ${info.size} bytes, over the limit of ${MAX_INPUT_TEXT_BYTES} bytes`);
        bytes = await readFile(path);
    }
    catch (error) {
        if (error instanceof UserError)
            throw error;
        throw new UserError(`${path}: cannot read: ${error.code ?? error.message}`);
    }
    return decodeUtf8(bytes, path);
}
/**
 * `relative` (a path a document names) resolved in `directory`, or null when it would leave it: a
 * document can be edited by anyone, and the report must not read files it was not pointed at.
 */
export function pathInside(directory, relative) {
    const normalised = normalize(relative);
    if (isAbsolute(normalised) || normalised === '..' || normalised.startsWith(`..${sep}`))
        return null;
    return join(directory, normalised);
}
/** Which writer produced `doc`, from its prefixes and attribute names. */
export function detectGeneration(doc) {
    if (doc.namespaceUri('yProv4ML') !== undefined)
        return 'yProvML G3';
    // The original bound `prov-ml` to the non-IRI "prov-ml"; we bind it to a real IRI.
    if (doc.namespaceUri('prov-ml') === 'prov-ml')
        return 'yProvML G1/G2';
    return 'prov4ml';
}
//# sourceMappingURL=documents.js.map