/**
 * File names built from names users chose (metric, experiment, context). A name is kept as it is when
 * it is readable and harmless; anything else is percent-encoded, so no name can contain `/`, a control
 * character, or start with a dot, and two different names never encode to the same text.
 */
import { createHash } from 'node:crypto';
import { MAX_NAME_COMPONENT_BYTES } from '../limits.js';

/** Characters kept as they are; everything else (and `%` itself) is percent-encoded as UTF-8. */
const READABLE = /[\p{L}\p{N} ._+=@,()[\]-]/u;

/**
 * `name` as one safe piece of a file name, at most `maxBytes` UTF-8 bytes. A name too long is cut and
 * ends in `~` and 16 hex digits of its sha256, which keeps cut names distinct (`~` is always encoded).
 */
export function safeNameComponent(name: string, maxBytes = MAX_NAME_COMPONENT_BYTES): string {
  let out = '';
  let bytes = 0;
  let index = 0;
  const budget = maxBytes - HASH_SUFFIX_BYTES;
  let cutAt = -1;
  for (const char of name) {
    const piece = index === 0 && char === '.' ? '%2E' : READABLE.test(char) ? char : percentEncode(char);
    const pieceBytes = Buffer.byteLength(piece);
    if (cutAt < 0 && bytes + pieceBytes > budget) cutAt = out.length;
    out += piece;
    bytes += pieceBytes;
    index++;
  }
  if (out === '') return '%00';
  if (bytes <= maxBytes) return out;
  return `${out.slice(0, cutAt)}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

const HASH_SUFFIX_BYTES = 17;

function percentEncode(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Hands out file names that are unique within one directory: a second series whose name and context
 * encode to the same file (`a` in `B_C` and `a_B` in `C`) gets `~2` before the extension.
 */
export class FileNameRegistry {
  readonly #taken = new Set<string>();

  claim(stem: string, extension: string): string {
    let candidate = `${stem}${extension}`;
    for (let n = 2; this.#taken.has(candidate); n++) candidate = `${stem}~${n}${extension}`;
    this.#taken.add(candidate);
    return candidate;
  }
}

/** `metrics/<metric>_<CONTEXT>_GR<rank>.csv`, relative to the run directory. */
export function metricFileStem(name: string, context: string, rank: number): string {
  return `metrics/${safeNameComponent(name)}_${safeNameComponent(context)}_GR${rank}`;
}

/** `prov_<experiment>_GR<rank>` (add `.json`, `.dot` or `.svg`). */
export function rankDocumentStem(experimentName: string, rank: number): string {
  return `prov_${safeNameComponent(experimentName)}_GR${rank}`;
}

/** The collection with one bundle per rank (the "unified" option). */
export function unifiedDocumentFile(experimentName: string): string {
  return `prov_${safeNameComponent(experimentName)}_unified.json`;
}

export const COLLECTION_FILE = 'prov_collection.json';
