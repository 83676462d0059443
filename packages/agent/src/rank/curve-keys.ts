/**
 * The job's CURVE key files (README "Security / threat model"). The aggregator's side makes the server
 * key pair once per job and every rank reads the public key. Both files are mode 0600: only the job's
 * user (and root) can read the public key, and without it no one can open a connection the aggregator
 * accepts, so only they can send it records.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import {
  curveRequired,
  RUN_DIR_KEY_DIR,
  SERVER_PUBLIC_KEY_FILE,
  SERVER_SECRET_KEY_FILE,
  UserError,
  Z85_KEY,
  type CurveKeyPair,
} from '@prov4ml/prov-core';
import { waitForFileText } from './wait-for-file.js';


/** Key files: read and write for their owner only. */
const KEY_FILE_MODE = 0o600;
/** A key directory the agent creates: its owner only. */
const KEY_DIR_MODE = 0o700;
/** Permission bits that must be clear on a key file: any access by group or others. */
const SHARED_ACCESS_BITS = 0o077;

/** How a job secures its transport: PROV4ML_INSECURE and PROV4ML_KEY_DIR. */
export interface TransportOptions {
  insecure: boolean;
  /** null: `<run dir>/.prov4ml/curve`. */
  keyDir: string | null;
}

/**
 * The directory of the key files for an aggregator bound (or reached) at `endpoint`, or null when the
 * transport stays plain (loopback without PROV4ML_KEY_DIR, or PROV4ML_INSECURE).
 * @param runDir the run directory when the caller knows it (a hosted aggregator), else null.
 * @throws UserError naming PROV4ML_KEY_DIR when CURVE is needed and there is neither directory.
 */
export function curveKeyDir(endpoint: string, transport: TransportOptions, runDir: string | null): string | null {
  if (!curveRequired({ endpoint, ...transport })) return null;
  if (transport.keyDir !== null) return transport.keyDir;
  if (runDir !== null) return join(runDir, RUN_DIR_KEY_DIR);
  throw new UserError(
    `PROV4ML_KEY_DIR: not set, but ${endpoint} is not loopback: give the aggregator and every rank the same PROV4ML_KEY_DIR for its CURVE key (or PROV4ML_INSECURE=1 for plain transport)`,
  );
}

/**
 * The server key pair in `dir`, made there when there is none yet. A pair already there is reused, so
 * an aggregator restarted mid-job keeps the key its ranks hold.
 * @throws UserError naming the path when the directory cannot be written or a key file there is
 *   readable by others or is not a key file.
 */
export async function loadOrCreateServerKeys(dir: string): Promise<CurveKeyPair> {
  const secretPath = join(dir, SERVER_SECRET_KEY_FILE);
  try {
    await mkdir(dir, { recursive: true, mode: KEY_DIR_MODE });
    const pair = (await readServerKeyPair(secretPath)) ?? (await createServerKeyPair(secretPath));
    await writeKeyFile(join(dir, SERVER_PUBLIC_KEY_FILE), `${pair.publicKey}\n`);
    return pair;
  } catch (error) {
    throw asUserError(error, dir);
  }
}

/**
 * The server public key in `dir`, once the aggregator has written it.
 * @throws Error naming the file and PROV4ML_KEY_DIR when none appears within `timeoutMs`; UserError
 *   when the file is readable by others or holds no key.
 */
export async function waitForServerPublicKey(dir: string, timeoutMs: number, cancelled: () => boolean): Promise<string> {
  const path = join(dir, SERVER_PUBLIC_KEY_FILE);
  if ((await waitForFileText(path, timeoutMs, cancelled)) === null) {
    throw new Error(`no CURVE server key appeared in ${path}; the aggregator writes it there (PROV4ML_KEY_DIR must name the same directory for the aggregator and every rank)`);
  }
  const [publicKey] = await readKeyFile(path, 1);
  return publicKey!;
}

async function readServerKeyPair(path: string): Promise<CurveKeyPair | null> {
  try {
    const [publicKey, secretKey] = await readKeyFile(path, 2);
    return { publicKey: publicKey!, secretKey: secretKey! };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function createServerKeyPair(secretPath: string): Promise<CurveKeyPair> {
  const pair = curveKeyPair();
  const draft = `${secretPath}.${randomBytes(6).toString('hex')}`;
  await writeFile(draft, `${pair.publicKey}\n${pair.secretKey}\n`, { mode: KEY_FILE_MODE, flag: 'wx' });
  try {
    // link() never replaces a file: of two processes making a pair at once, one pair wins and both use it.
    await link(draft, secretPath);
    return pair;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readServerKeyPair(secretPath))!;
  } finally {
    await unlink(draft);
  }
}

/** Writes a whole key file under a temporary name and renames it into place, so a reader never sees part of one. */
async function writeKeyFile(path: string, text: string): Promise<void> {
  const draft = `${path}.${randomBytes(6).toString('hex')}`;
  await writeFile(draft, text, { mode: KEY_FILE_MODE, flag: 'wx' });
  await rename(draft, path);
}

/** The `lines` Z85 keys of a key file that only its owner can access. */
async function readKeyFile(path: string, lines: number): Promise<string[]> {
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & SHARED_ACCESS_BITS) !== 0) {
    throw new UserError(`${path}: a CURVE key file must be private to its owner, but its mode is ${mode.toString(8)}; chmod 600 it, or remove it to make a new key pair`);
  }
  const keys = (await readFile(path, 'utf8')).trim().split('\n');
  if (keys.length !== lines || !keys.every((key) => Z85_KEY.test(key))) {
    throw new UserError(`${path}: not a prov4ml CURVE key file (${lines === 1 ? 'one Z85 key line' : 'a public and a secret Z85 key line'}); remove it to make a new key pair`);
  }
  return keys;
}

function asUserError(error: unknown, dir: string): Error {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? (error as Error) : new UserError(`CURVE key directory ${dir}: ${(error as Error).message}`);
}
