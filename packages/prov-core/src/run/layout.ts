/**
 * Every file and folder name of a run directory and of the save directory around it, in one place: the
 * agents write some, the aggregator others, and `merge`, `report`, `collection` and the Python getters
 * read them back, so the names must never be spelled twice (docs/ARCHITECTURE.md draws the tree).
 *
 * Names that come from a user (metric, context, experiment) go through {@link safeNameComponent}: kept
 * as they are when readable and harmless, else percent-encoded, so no name can contain `/`, a control
 * character, or start with a dot, and two different names never encode to the same text.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

// ---- the save directory ------------------------------------------------------------------------------

/** `<save dir>/.prov4ml/`: state shared by every run of a save directory. */
export const SAVE_DIR_STATE_DIR = '.prov4ml';

/** `<save dir>/<experiment>_<run id>`. */
export function runDirPath(saveDir: string, experimentName: string, runId: number): string {
  return join(saveDir, `${experimentName}_${runId}`);
}

/** `<save dir>/.prov4ml/jobs/`: one claim per job key, naming the run directory the job writes. */
export function jobClaimsDir(saveDir: string): string {
  return join(saveDir, SAVE_DIR_STATE_DIR, 'jobs');
}

/** The lock that lets one job at a time pick the smallest free run id of a save directory. */
export function claimLockPath(saveDir: string): string {
  return join(saveDir, SAVE_DIR_STATE_DIR, 'claim.lock');
}

/** A job key as a file name: readable where it can be, made unique by a digest of the whole key. */
export function jobClaimFileName(jobKey: string): string {
  const readable = jobKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(jobKey).digest('hex').slice(0, 12);
  return `${readable}-${digest}`;
}

// ---- what the agents write -----------------------------------------------------------------------------

/** `<run dir>/spool/`: each agent's append-only copy of every frame it sealed. */
export const SPOOL_DIR = 'spool';

/** `spool/GR<rank>-<sender>.spool`. */
export function spoolPath(runDir: string, rank: number, sender: string): string {
  return join(runDir, SPOOL_DIR, `GR${rank}-${sender}.spool`);
}

/** The rank of a spool file name `GR<rank>-<sender>.spool`; null for any other name. */
export function rankOfSpoolFile(fileName: string): number | null {
  const match = /^GR(\d{1,7})-[A-Za-z0-9_-]{1,64}\.spool$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

/** Where a hosted aggregator publishes the endpoint ranks connect to (ranks without PROV4ML_AGGREGATOR read it). */
export const ENDPOINT_FILE = 'aggregator.endpoint';

/** `<run dir>/.prov4ml/curve/`: the hosted aggregator's CURVE key pair, 0600. */
export const RUN_DIR_KEY_DIR = `${SAVE_DIR_STATE_DIR}/curve`;
/** Z85 public key of the job's aggregator: what a rank needs to connect. */
export const SERVER_PUBLIC_KEY_FILE = 'server.public';
/** Public and secret key of the job's aggregator, one per line. */
export const SERVER_SECRET_KEY_FILE = 'server.secret';

/** `artifacts/GR<rank>`, relative to the run directory, with '/' separators (as documents name it). */
export function rankArtifactsPath(rank: number): string {
  return `artifacts/GR${rank}`;
}

/** Absolute path of a rank's artifact directory, where its copies go. */
export function rankArtifactsDir(runDir: string, rank: number): string {
  return join(resolve(runDir), 'artifacts', `GR${rank}`);
}

// ---- what the aggregator writes ------------------------------------------------------------------------

/** `<run dir>/.aggregator/`: the aggregator's received logs. */
export const RECEIVED_LOG_DIR = '.aggregator';

/** `.aggregator/GR<rank>.log`: every frame of a rank the aggregator accepted, in sequence order. */
export function receivedLogPath(runDir: string, rank: number): string {
  return join(runDir, RECEIVED_LOG_DIR, `GR${rank}.log`);
}

/** The rank of a received log's file name `GR<rank>.log`; null for any other name. */
export function rankOfReceivedLog(fileName: string): number | null {
  const match = /^GR(\d{1,7})\.log$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

/** `<run dir>/metrics/`: one CSV per (metric, context, rank). */
export const METRICS_DIR = 'metrics';

/** `metrics/<metric>_<CONTEXT>_GR<rank>`, relative to the run directory (add the extension). */
export function metricFileStem(name: string, context: string, rank: number): string {
  return `${METRICS_DIR}/${safeNameComponent(name)}_${safeNameComponent(context)}_GR${rank}`;
}

/** `prov_<experiment>_GR<rank>` (add `.json`, `.dot` or `.svg`). */
export function rankDocumentStem(experimentName: string, rank: number): string {
  return `prov_${safeNameComponent(experimentName)}_GR${rank}`;
}

/** The collection with one bundle per rank (the "unified" option). */
export function unifiedDocumentFile(experimentName: string): string {
  return `prov_${safeNameComponent(experimentName)}_unified.json`;
}

/** The job's collection: one member per rank document. */
export const COLLECTION_FILE = 'prov_collection.json';

// ---- packages of a finished run (`prov4ml crate`, use_compressor=ZIP) ------------------------------------

/** The RO-Crate metadata file, at the top of the run directory (the name RO-Crate 1.1 prescribes). */
export const CRATE_METADATA_FILE = 'ro-crate-metadata.json';

/** `<run dir>.crate.zip`, beside the run directory: the crate as one file. */
export function crateZipPath(runDir: string): string {
  return `${resolve(runDir)}.crate.zip`;
}

/** `<run dir>.zip`, beside the run directory: the run's files zipped (start_run(use_compressor=ZIP)). */
export function runZipPath(runDir: string): string {
  return `${resolve(runDir)}.zip`;
}

/** What a file being written is called until it is complete (then renamed), so no reader sees half of it. */
export function partialPath(path: string): string {
  return `${path}.partial`;
}

// ---- names from users ----------------------------------------------------------------------------------

/** Longest part of a file name that comes from a user's name, in UTF-8 bytes (file systems allow 255 in all). */
export const MAX_NAME_COMPONENT_BYTES = 150;

/** Characters kept as they are; everything else (and `%` itself) is percent-encoded as UTF-8. */
const READABLE = /[\p{L}\p{N} ._+=@,()[\]-]/u;

/** `~` and 16 hex digits: what a cut name ends in. */
const HASH_SUFFIX_BYTES = 17;

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

function percentEncode(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
