/**
 * `prov4ml watch`: a live terminal view of a job from what its aggregator writes to the shared
 * filesystem (no port, no browser), or with `once` a single plain-text frame for scripts. Pointed at a
 * save directory it lists the runs to pick from.
 */
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ReadStream, WriteStream } from 'node:tty';
import { COLLECTION_FILE, UserError } from '@prov4ml/prov-core';
import { JobWatch } from './job-watch.js';
import { jobView, knownMetrics, type JobView, type ViewOptions } from './job-view.js';
import { renderFrame } from './render.js';
import { isRunDir, isSaveDir, listRuns, renderRunList, type ListedRun } from './save-dir.js';
import { TerminalScreen, isQuitKey } from './terminal.js';
import { ranksComparedText } from './ranks-compared-text.js';
import { DEFAULT_REFRESH_MS, DEFAULT_STRAGGLER_THRESHOLD, SILENT_AFTER_HEARTBEATS } from './limits.js';

export interface WatchOptions {
  /** A run directory, or a save directory whose runs are listed. */
  readonly path: string;
  /** Metric names to show; empty or absent: the first few user metrics. */
  readonly metrics?: readonly string[];
  /** One frame, as plain text, then return. */
  readonly once?: boolean;
  readonly stragglerThreshold?: number;
  readonly intervalMs?: number;
  /** The agents' heartbeat interval (the agent's HEARTBEAT_INTERVAL_MS): how long a rank may be quiet. */
  readonly heartbeatMs: number;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** Clock; injectable so a test can fix "now". */
  readonly now?: () => number;
}

export interface WatchResult {
  /** The watched job was finalised (the summary was printed). */
  readonly finalised: boolean;
}

/** Width of `--once` output that does not go to a terminal. */
const PLAIN_WIDTH = 100;
const MIN_INTERVAL_MS = 50;
const MAX_INTERVAL_MS = 60_000;

export async function watchJob(options: WatchOptions): Promise<WatchResult> {
  const path = resolve(options.path);
  const settings = checkOptions(options);
  const out = options.stdout ?? process.stdout;
  const input = options.stdin ?? process.stdin;
  const now = options.now ?? Date.now;
  const plainWidth = out.isTTY ? out.columns || PLAIN_WIDTH : PLAIN_WIDTH;
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() !== true) throw new UserError(`watch: ${options.path}: no such directory`);
  const runDir = isRunDir(path);
  if (!runDir && !isSaveDir(path)) {
    throw new UserError(`watch: ${options.path} is neither a run directory (no .aggregator/, spool/, aggregator.endpoint or ${COLLECTION_FILE} in it) nor a save directory (no run directory in it)`);
  }
  if (options.once === true) {
    if (!runDir) {
      writeLines(out, renderRunList(options.path, listRuns(path, now(), settings.silentAfterMs), now(), null));
      return { finalised: false };
    }
    const job = new JobWatch(path, { stepClocks: true });
    await job.refresh();
    checkMetrics(job, options.metrics ?? [], options.path);
    const view = jobView(job, basename(path), { ...settings, now: now() });
    writeLines(out, summaryLines(view, job, settings, plainWidth));
    return { finalised: view.finalised };
  }
  if (!out.isTTY || !input.isTTY) throw new UserError('watch: needs a terminal on stdin and stdout; use --once for one frame as plain text');
  const screen = new TerminalScreen(out as WriteStream, input as ReadStream);
  let final: JobView | null = null;
  let watched = path;
  screen.open();
  try {
    const picked = runDir ? path : await pickRun(screen, path, options.path, settings, now);
    if (picked === null) return { finalised: false };
    watched = picked;
    final = await follow(screen, picked, settings, now);
  } finally {
    screen.close();
  }
  if (final === null) return { finalised: false };
  // The live reader keeps no step clocks (16 bytes a step); the summary reads the finished logs once with them.
  const whole = new JobWatch(watched, { stepClocks: true });
  await whole.refresh();
  writeLines(out, summaryLines(final, whole, settings, plainWidth));
  return { finalised: true };
}

type Settings = Omit<ViewOptions, 'now'> & { intervalMs: number };

function checkOptions(options: WatchOptions): Settings {
  const threshold = options.stragglerThreshold ?? DEFAULT_STRAGGLER_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) throw new UserError(`watch: --straggler-threshold must be a fraction between 0 and 1 (0.2 = 20 % below the median step rate), not ${threshold}`);
  const intervalMs = options.intervalMs ?? DEFAULT_REFRESH_MS;
  if (!(intervalMs >= MIN_INTERVAL_MS && intervalMs <= MAX_INTERVAL_MS)) throw new UserError(`watch: --interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} ms, not ${intervalMs}`);
  const metrics = options.metrics ?? [];
  if (metrics.some((name) => name.trim() === '')) throw new UserError(`watch: --metric has an empty name in '${metrics.join(',')}'`);
  return { metrics, stragglerThreshold: threshold, heartbeatMs: options.heartbeatMs, silentAfterMs: SILENT_AFTER_HEARTBEATS * options.heartbeatMs, intervalMs };
}

/** A metric asked for that no rank has logged is a typo when the answer is final (`--once`). */
function checkMetrics(job: JobWatch, metrics: readonly string[], shownPath: string): void {
  const known = knownMetrics(job);
  const unknown = metrics.filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const have = [...known].slice(0, 12).join(', ');
  throw new UserError(`watch: --metric ${unknown.join(', ')}: no such metric in ${shownPath} (${have === '' ? 'no metric received yet' : `it has ${have}${known.size > 12 ? ', …' : ''}`})`);
}

/** Refreshes until the job is finalised (returns its last view) or the user quits (null). */
async function follow(screen: TerminalScreen, runDir: string, settings: Settings, now: () => number): Promise<JobView | null> {
  const job = new JobWatch(runDir);
  const footer = `q quits  ·  refresh ${settings.intervalMs / 1000} s  ·  straggler: ${Math.round(settings.stragglerThreshold * 100)} % below the median step rate`;
  let clear = false;
  for (;;) {
    await job.refresh();
    const view = jobView(job, basename(runDir), { ...settings, now: now() });
    const missing = settings.metrics.filter((name) => !knownMetrics(job).has(name));
    screen.draw(renderFrame(view, screen.size, missing.length === 0 ? footer : `not logged yet: ${missing.join(', ')}  ·  ${footer}`), clear);
    clear = false;
    if (view.finalised) return view;
    const wake = await screen.wait(settings.intervalMs);
    if (wake.kind === 'stop' || (wake.kind === 'key' && isQuitKey(wake.key))) return null;
    if (wake.kind === 'resize') clear = true;
  }
}

/** The save directory's runs, redrawn every interval; returns the chosen run directory, or null on quit. */
async function pickRun(screen: TerminalScreen, saveDir: string, shownPath: string, settings: Settings, now: () => number): Promise<string | null> {
  let cursor = 0;
  let runs: ListedRun[] = [];
  for (;;) {
    runs = listRuns(saveDir, now(), settings.silentAfterMs);
    cursor = Math.min(cursor, Math.max(0, runs.length - 1));
    screen.draw(runs.length === 0 ? [`prov4ml watch  ${shownPath}: no runs yet (waiting)`, 'q quits'] : renderRunList(shownPath, runs, now(), cursor));
    const wake = await screen.wait(settings.intervalMs);
    if (wake.kind === 'stop') return null;
    if (wake.kind !== 'key') continue;
    const key = wake.key;
    if (isQuitKey(key)) return null;
    if (key === '\x1b[A' || key === 'k') cursor = Math.max(0, cursor - 1);
    else if (key === '\x1b[B' || key === 'j') cursor = Math.min(runs.length - 1, cursor + 1);
    else if (/^[1-9]$/.test(key) && Number(key) <= runs.length) return runs[Number(key) - 1]!.path;
    else if ((key === '\r' || key === '\n') && runs[cursor] !== undefined) return runs[cursor]!.path;
  }
}

/** The frame in full (every rank, every flag), Ranks compared and, once finalised, where the collection is. */
function summaryLines(view: JobView, job: JobWatch, settings: Settings, width: number): string[] {
  const lines = [...renderFrame(view, { width, height: Infinity }, null), ...ranksComparedText(job, settings.stragglerThreshold)];
  if (view.finalised) lines.push(`job finalised: ${join(job.runDir, COLLECTION_FILE)}`);
  return lines;
}

function writeLines(out: NodeJS.WritableStream, lines: readonly string[]): void {
  out.write(lines.map((line) => `${line}\n`).join(''));
}

