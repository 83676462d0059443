/**
 * No call of the Python client is ever dropped (issue 12, item 4), with real processes: the client
 * starting its own agent (`python3 train.py`) and under `prov4ml run`. Points logged flat out, sample
 * requests in a tight loop and right after start_run, and the program's end by end_run, a normal exit,
 * an uncaught exception or SIGTERM: every file is checked the moment the Python process has exited.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { commandWorks, needs } from '../../../test/support/components.js';
import { CLI, onlyRunDir, readMetricCsv } from '../../../test/support/run-dir.js';

const PYTHON = 'python3';
const PYTHON_DIR = new URL('../python', import.meta.url).pathname;
const pythonAvailable = commandWorks(PYTHON);
/** Points of the flat-out runs: the proof, one standalone and one wrapped run. */
const FLAT_OUT_POINTS = 10_000_000;
const SAMPLE_CALLS = 1000;
/** Series every system sample has on a machine without a GPU (the process ones: the program's tree). */
const SYSTEM_SERIES = ['cpu_usage', 'memory_usage', 'disk_usage', 'process_cpu_usage', 'process_rss'];
/** Series every carbon sample has, whatever the node measures. */
const CARBON_SERIES = ['energy_consumed', 'emissions'];

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function workDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'prov4ml-delivery-'));
  directories.push(directory);
  return directory;
}

type How = 'standalone' | 'wrapped';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python program standalone (it starts its own agent) or under `prov4ml run`; resolves when it has exited. */
function runPython(how: How, script: string, cwd: string, onStdout: (text: string, kill: (signal: NodeJS.Signals) => void) => void = () => {}): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_DIR, PROV4ML_CLI: CLI, PROV4ML_METRICS_INTERVAL: '0', PYTHONDONTWRITEBYTECODE: '1' };
  delete env.PROV4ML_CHANNEL;
  const [command, args] = how === 'standalone' ? [PYTHON, ['-c', script]] : [process.execPath, [CLI, 'run', '--', PYTHON, '-c', script]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      onStdout(stdout, (signal) => child.kill(signal));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The rank's run activity in its PROV-JSON document. */
function runActivity(runDir: string, experiment: string): Record<string, unknown> {
  const document = JSON.parse(readFileSync(join(runDir, `prov_${experiment}_GR0.json`), 'utf8')) as { activity: Record<string, Record<string, unknown>> };
  const run = Object.values(document.activity).find((activity) => activity['prov-ml:type'] === 'LearningExecution');
  assert.ok(run, 'the document has the run activity');
  return run;
}

function literal(value: unknown): unknown {
  return typeof value === 'object' && value !== null && '$' in value ? Number((value as { $: unknown }).$) : value;
}

/**
 * Streams a metric CSV of `points` rows logged as (step, step % 4): every step 0..points-1 exactly
 * once and the exact value sum, without holding the file in memory.
 */
async function assertEveryPoint(path: string, points: number): Promise<void> {
  const seen = new Uint8Array(points);
  let rows = 0;
  let duplicates = 0;
  let valueSum = 0;
  let wrongValues = 0;
  let rest = '';
  let header = true;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (header) {
        assert.equal(line, 'step,value,timestamp_ms');
        header = false;
        continue;
      }
      const first = line.indexOf(',');
      const second = line.indexOf(',', first + 1);
      const step = Number(line.slice(0, first));
      const value = Number(line.slice(first + 1, second));
      rows++;
      if (seen[step] === 1) duplicates++;
      seen[step] = 1;
      valueSum += value;
      if (value !== step % 4) wrongValues++;
    }
  }
  assert.equal(rest, '', 'the last row ends with a newline');
  assert.equal(rows, points, 'rows');
  assert.equal(duplicates, 0, 'duplicated steps');
  assert.equal(seen.indexOf(0), -1, 'every step is there');
  assert.equal(wrongValues, 0, 'every value is its step % 4');
  assert.equal(valueSum, 1.5 * points, 'value sum');
}

function flatOutScript(experiment: string): string {
  return [
    'import prov4ml',
    'from prov4ml import Context',
    `prov4ml.start_run("www.example.org", "${experiment}", provenance_save_dir="prov")`,
    'log_metric = prov4ml.log_metric',
    `for epoch in range(${FLAT_OUT_POINTS}):`,
    '    log_metric("loss", float(epoch % 4), context=Context.TRAINING, step=epoch)',
    'prov4ml.end_run()',
  ].join('\n');
}

function samplesScript(experiment: string): string {
  return [
    'import prov4ml',
    'from prov4ml import Context',
    `prov4ml.start_run("www.example.org", "${experiment}", provenance_save_dir="prov")`,
    // Right after start_run: the agent (standalone) is still starting, its samplers too.
    'prov4ml.log_system_metrics(Context.VALIDATION, step=0)',
    'prov4ml.log_carbon_metrics(Context.VALIDATION, step=0)',
    `for step in range(1, ${SAMPLE_CALLS} + 1):`,
    '    prov4ml.log_system_metrics(Context.TRAINING, step=step)',
    'prov4ml.end_run()',
  ].join('\n');
}

/** Logs 1000 points, prints "ready", then ends as `ending` says (end_run is not called). */
function endingScript(experiment: string, ending: string): string {
  return [
    'import sys, time',
    'import prov4ml',
    `prov4ml.start_run("www.example.org", "${experiment}", provenance_save_dir="prov")`,
    'for step in range(1000):',
    '    prov4ml.log_metric("loss", 0.5, prov4ml.Context.TRAINING, step)',
    'print("ready", flush=True)',
    ending,
  ].join('\n');
}

describe('every point logged flat out is in the CSV', needs('python3', pythonAvailable), () => {
  for (const how of ['standalone', 'wrapped'] as const) {
    it(`${FLAT_OUT_POINTS} points, ${how}`, { timeout: 900_000 }, async () => {
      const directory = workDir();
      const experiment = `flat_${how}`;
      const exit = await runPython(how, flatOutScript(experiment), directory);
      assert.equal(exit.code, 0, exit.stderr);
      assert.doesNotMatch(exit.stderr, /dropped|Prov4mlWarning/);
      await assertEveryPoint(join(directory, 'prov', `${experiment}_0`, 'metrics', 'loss_TRAINING_GR0.csv'), FLAT_OUT_POINTS);
    });
  }
});

describe('every log_system_metrics / log_carbon_metrics call gives exactly one sample', needs('python3', pythonAvailable), () => {
  for (const how of ['standalone', 'wrapped'] as const) {
    it(`${SAMPLE_CALLS} calls in a tight loop and calls right after start_run, ${how}`, { timeout: 300_000 }, async () => {
      const directory = workDir();
      const experiment = `samples_${how}`;
      const exit = await runPython(how, samplesScript(experiment), directory);
      assert.equal(exit.code, 0, exit.stderr);
      assert.doesNotMatch(exit.stderr, /not recorded|ignored|sample failed/);
      const metrics = join(directory, 'prov', `${experiment}_0`, 'metrics');
      const expectedSteps = Array.from({ length: SAMPLE_CALLS }, (_, i) => i + 1);
      for (const name of SYSTEM_SERIES) {
        const training = readMetricCsv(join(metrics, `${name}_TRAINING_GR0.csv`));
        assert.deepEqual([...training.steps].sort((a, b) => a - b), expectedSteps, `${name}: one row per call, with its step`);
        assert.deepEqual(readMetricCsv(join(metrics, `${name}_VALIDATION_GR0.csv`)).steps, [0], `${name}: the call right after start_run`);
      }
      for (const name of CARBON_SERIES) {
        assert.deepEqual(readMetricCsv(join(metrics, `${name}_VALIDATION_GR0.csv`)).steps, [0], `${name}: the carbon call right after start_run`);
        assert.equal(existsSync(join(metrics, `${name}_TRAINING_GR0.csv`)), false, 'no carbon sample was asked for in TRAINING');
      }
    });
  }
});

describe('when the program ends without end_run, its files are complete once the Python process has exited', needs('python3', pythonAvailable), () => {
  const endings = [
    { name: 'an uncaught exception', experiment: 'raised', code: 'raise RuntimeError("training failed")', exitCode: 1, signal: null },
    { name: 'SIGTERM', experiment: 'terminated', code: 'time.sleep(120)', exitCode: null, signal: 'SIGTERM' as const },
    { name: 'a normal exit', experiment: 'returned', code: 'pass', exitCode: 0, signal: null },
    { name: 'sys.exit(3)', experiment: 'exited', code: 'sys.exit(3)', exitCode: 3, signal: null },
  ];
  for (const ending of endings) {
    it(`standalone, ${ending.name}: documents and CSV exist at exit, and the run records how it ended, as under the wrapper`, { timeout: 120_000 }, async () => {
      const directory = workDir();
      const exit = await runPython('standalone', endingScript(ending.experiment, ending.code), directory, (stdout, kill) => {
        if (ending.signal !== null && stdout.includes('ready')) kill(ending.signal);
      });
      // Checked at once: under srun with proctrack/cgroup the agent would be killed right now.
      const runDir = join(directory, 'prov', `${ending.experiment}_0`);
      assert.equal(readMetricCsv(join(runDir, 'metrics', 'loss_TRAINING_GR0.csv')).rows, 1000, exit.stderr);
      assert.ok(existsSync(join(runDir, 'prov_collection.json')), 'the job document');
      const run = runActivity(runDir, ending.experiment);
      // As a wrapper records its child: clean unless a signal ended it, with the exit status it gave.
      assert.equal(run['prov-ml:clean'], ending.signal === null);
      assert.equal(run['prov-ml:unfinished'], false, 'the end was seen and recorded');
      if (ending.signal !== null) {
        assert.equal(exit.signal, ending.signal, 'the process still dies by the signal');
        assert.equal(run['prov-ml:signal'], ending.signal);
      } else {
        assert.equal(exit.code, ending.exitCode, exit.stderr);
        assert.equal(literal(run['prov-ml:exit_code']), ending.exitCode);
      }
    });
  }

  it('wrapped, an uncaught exception: every point is in the spool before the program exits, and in the files after', { timeout: 120_000 }, async () => {
    const directory = workDir();
    const exit = await runPython('wrapped', endingScript('raised_wrapped', 'raise RuntimeError("training failed")'), directory);
    assert.equal(exit.code, 1, exit.stderr);
    const runDir = onlyRunDir(join(directory, 'prov'));
    assert.equal(readMetricCsv(join(runDir, 'metrics', 'loss_TRAINING_GR0.csv')).rows, 1000);
    assert.equal(literal(runActivity(runDir, 'raised_wrapped')['prov-ml:exit_code']), 1);
  });
});

describe('without any agent to start', needs('python3', pythonAvailable), () => {
  it('start_run says in one line what to install, and the training runs on without provenance', async () => {
    const directory = workDir();
    const script = [
      'import prov4ml',
      'prov4ml.start_run("www.example.org", "nothing")',
      'for step in range(10):',
      '    prov4ml.log_metric("loss", 0.5, step=step)',
      'prov4ml.log_param("lr", 0.1)',
      'prov4ml.log_system_metrics()',
      'prov4ml.end_run()',
      'print("trained")',
    ].join('\n');
    const env: NodeJS.ProcessEnv = { PATH: directory, PYTHONPATH: PYTHON_DIR, HOME: directory };
    const exit = await new Promise<Exit>((resolve, reject) => {
      const child = spawn(pythonPath(), ['-c', script], { cwd: directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout, 'trained\n');
    const lines = exit.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, exit.stderr);
    assert.match(lines[0]!, /node.*training goes on without provenance/i);
    assert.equal(existsSync(join(directory, 'prov')), false);
  });
});

/** The interpreter behind `python3` (which may be a shim script needing a full PATH). */
function pythonPath(): string {
  return spawnSync(PYTHON, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
}
