/**
 * Runs the Python client's unittest suite (packages/agent/python/tests) under one of the two harnesses
 * of tests/_harness.py, and reads what came out:
 * - `agent`: every start_run starts a real agent (the prov4ml CLI), which hosts its run's aggregator and
 *   writes the run directory, read with `RankRun` (rank-run.ts).
 * - `recorder`: the client talks to a recording channel server; the messages are kept for wire-shape checks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { DEBIAN_PYTHON } from '../../../test/support/components.js';
import { CLI } from '../../../test/support/run-dir.js';
import { startRecordingServer, waitFor, type RecordedConnection, type RecordingServer } from './channel-recorder.js';
import { RankRun } from './rank-run.js';

export const PYTHON_DIR = new URL('../python', import.meta.url).pathname.replace(/\/$/, '');
/** What unittest prints for a test class the harness variable did not enable (tests/_harness.py NEEDS). */
export const NOT_UNDER_THE_HARNESS = /skipped 'needs the harness of packages\/agent\/test\/python-harness\.ts/;

export interface AgentSuite {
  /** unittest's output (verbose). */
  output: string;
  /** The working directory of the suite: agents save under its prov/, the tests' temporary folders under its tmp/. */
  directory: string;
  /** The run directories the suite's agents wrote for `experiment`, by run id. */
  runs(experiment: string): RankRun[];
  /** The one run of `experiment` (fails the test if there is not exactly one). */
  only(experiment: string): RankRun;
}

export interface RecordedSuite {
  output: string;
  recording: RecordingServer;
  /** The one connection whose start_run named `experiment` (fails the test if there is not exactly one). */
  only(experiment: string): RecordedConnection;
}

/** Runs `unittest <args>` against real agents before the enclosing describe's tests; removes it all after them. */
export function useAgentSuite(label: string, args: string[]): () => AgentSuite {
  let suite: AgentSuite | undefined;
  let directory = '';
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), `prov4ml-py-${label}-`));
    mkdirSync(join(directory, 'tmp'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PROV4ML_TEST_HARNESS: 'agent',
      PROV4ML_TEST_RUNS: join(directory, 'prov'),
      PROV4ML_CLI: CLI,
      // Samples only where the scenarios ask for them, so that every CSV is one the test expects.
      PROV4ML_METRICS_INTERVAL: '0',
      // The tests' own temporary folders (save directories they name) land where the index below looks.
      TMPDIR: join(directory, 'tmp'),
    };
    delete env.PROV4ML_CHANNEL;
    const output = await unittest(args, directory, env);
    const index = indexRuns(directory);
    suite = {
      output,
      directory,
      runs: (experiment) => index.get(experiment) ?? [],
      only(experiment) {
        const runs = index.get(experiment) ?? [];
        assert.equal(runs.length, 1, `one run directory of ${experiment}, found ${runs.map((r) => r.runDir).join(', ') || 'none'}`);
        return runs[0]!;
      },
    };
  });
  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    assert.ok(suite, 'the Python suite ran');
    return suite;
  };
}

/** Runs `unittest <args>` against a recording channel server before the enclosing describe's tests. */
export function useRecordedSuite(label: string, args: string[]): () => RecordedSuite {
  let suite: RecordedSuite | undefined;
  let recording: RecordingServer | undefined;
  let directory = '';
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), `prov4ml-py-${label}-`));
    const server = (recording = await startRecordingServer(directory));
    const output = await unittest(args, PYTHON_DIR, { ...process.env, PROV4ML_TEST_HARNESS: 'recorder', PROV4ML_CHANNEL: server.path });
    // Subprocesses of the suite connected too; their last bytes may still be on the way.
    await waitFor('every Python connection to close', () => server.connections.every((c) => c.disconnected));
    suite = {
      output,
      recording: server,
      only(experiment) {
        const connections = server.experiment(experiment);
        assert.equal(connections.length, 1, `one connection for ${experiment}`);
        return connections[0]!;
      },
    };
  });
  after(async () => {
    await recording?.server.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    assert.ok(suite, 'the Python suite ran');
    return suite;
  };
}

async function unittest(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(DEBIAN_PYTHON, ['-m', 'unittest', ...args, '-v'], {
    cwd,
    env: { ...env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.equal(result.code, 0, `python unittest failed:\n${result.output}`);
  assert.doesNotMatch(result.output, NOT_UNDER_THE_HARNESS);
  return result.output;
}

/** `discover` of the whole suite, from any working directory. */
export const DISCOVER = ['discover', '-s', join(PYTHON_DIR, 'tests'), '-t', PYTHON_DIR];

export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: a recording channel server runs on this event loop.
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Every run directory under `root` (the save directories the suite used), by experiment, by run id. */
function indexRuns(root: string): Map<string, RankRun[]> {
  const found: RankRun[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const match = /^(.+)_(\d+)$/.exec(entry.name);
      if (match && existsSync(join(path, `prov_${match[1]}_GR0.json`))) found.push(new RankRun(path, match[1]!, Number(match[2])));
      else if (!['metrics', 'artifacts', 'spool'].includes(entry.name)) visit(path);
    }
  };
  visit(root);
  const index = new Map<string, RankRun[]>();
  for (const runDir of found.sort((a, b) => a.runId - b.runId)) index.set(runDir.experiment, [...(index.get(runDir.experiment) ?? []), runDir]);
  return index;
}

/**
 * Runs `script` (written to `program.py` in `cwd`: spawned processes import their __main__ from a file)
 * with Debian's python3 as a program started without the wrapper: the client on PYTHONPATH, no sampling
 * interval, and no launcher variable that would say who the process is.
 */
export function runOwnAgentProgram(cwd: string, script: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1', PROV4ML_METRICS_INTERVAL: '0', ...extraEnv };
  for (const variable of ['PROV4ML_CHANNEL', 'PROV4ML_RANK', 'PROV4ML_WORLD_SIZE', 'PROV4ML_JOB_ID', 'RANK', 'WORLD_SIZE', 'SLURM_PROCID']) delete env[variable];
  writeFileSync(join(cwd, 'program.py'), script);
  return run(DEBIAN_PYTHON, ['program.py', ...args], { cwd, env });
}
