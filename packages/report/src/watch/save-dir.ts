/** What `watch` was pointed at: a run directory, or a save directory whose runs it lists (running first, then newest). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTION_FILE, ENDPOINT_FILE, RECEIVED_LOG_DIR, SAVE_DIR_STATE_DIR, SPOOL_DIR, rankOfReceivedLog } from '@prov4ml/prov-core';
import { MAX_LISTED_RUNS } from './limits.js';
import { shortAge } from './format.js';

export interface ListedRun {
  readonly name: string;
  readonly path: string;
  readonly state: 'running' | 'finalised' | 'stopped';
  readonly ranks: number;
  /** Newest write to a received log (epoch ms); null before any. */
  readonly lastMs: number | null;
}

/** True when `path` holds something only a run directory has. */
export function isRunDir(path: string): boolean {
  return [RECEIVED_LOG_DIR, SPOOL_DIR, COLLECTION_FILE, ENDPOINT_FILE].some((name) => existsSync(join(path, name)));
}

/** True when `path` is a save directory: prov4ml's state folder, or at least one run directory, in it. */
export function isSaveDir(path: string): boolean {
  return existsSync(join(path, SAVE_DIR_STATE_DIR, 'jobs')) || runDirsOf(path).length > 0;
}

/** The runs of a save directory: running first, then by their last activity, newest first. */
export function listRuns(saveDir: string, now: number, quietAfterMs: number): ListedRun[] {
  const runs = runDirsOf(saveDir).map((name): ListedRun => {
    const path = join(saveDir, name);
    const logs = safeReaddir(join(path, RECEIVED_LOG_DIR)).filter((file) => rankOfReceivedLog(file) !== null);
    const times = logs.map((file) => statSync(join(path, RECEIVED_LOG_DIR, file), { throwIfNoEntry: false })?.mtimeMs ?? 0);
    const lastMs = times.length === 0 ? null : Math.max(...times);
    const finalised = existsSync(join(path, COLLECTION_FILE));
    const state = finalised ? 'finalised' : lastMs !== null && now - lastMs <= quietAfterMs ? 'running' : 'stopped';
    return { name, path, state, ranks: logs.length, lastMs };
  });
  const order = { running: 0, stopped: 1, finalised: 1 };
  runs.sort((a, b) => order[a.state] - order[b.state] || (b.lastMs ?? 0) - (a.lastMs ?? 0) || a.name.localeCompare(b.name));
  return runs.slice(0, MAX_LISTED_RUNS);
}

/** The list as lines; `cursor` marks the highlighted run (interactive), null for `--once`. */
export function renderRunList(saveDir: string, runs: readonly ListedRun[], now: number, cursor: number | null): string[] {
  const nameWidth = Math.max(3, ...runs.map((run) => run.name.length));
  const lines = [
    `prov4ml watch  ${saveDir}: ${runs.length} run${runs.length === 1 ? '' : 's'} (running first, then newest)`,
    `    #  ${'run'.padEnd(nameWidth)}  state      ranks  last frame`,
    ...runs.map((run, index) => `${cursor === index ? ' > ' : '   '}${String(index + 1).padStart(2)}  ${run.name.padEnd(nameWidth)}  ${run.state.padEnd(9)}  ${String(run.ranks).padStart(5)}  ${run.lastMs === null ? '—' : `${shortAge(now - run.lastMs)} ago`}`),
  ];
  if (cursor !== null) lines.push('', '↑/↓ or 1–9 to choose, Enter to watch, q to quit');
  return lines;
}

function runDirsOf(saveDir: string): string[] {
  return safeReaddir(saveDir).filter((name) => !name.startsWith('.') && isRunDir(join(saveDir, name)));
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
