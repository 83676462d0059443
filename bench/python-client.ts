/**
 * The Python client's logging hot path: median cost of one `prov4ml.log_metric` call with Debian's
 * python3 in the seed's loop form (`log_metric("loss", v, context=Context.TRAINING, step=epoch)`),
 * against a real channel server (so the flush thread really sends), beside an empty Python function
 * called with the same arguments (the floor any Python logging call stands on) and a bare
 * `list.append`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChannelServer, type AgentReply, type ClientMessage } from '@prov4ml/agent';

const PYTHON = '/usr/bin/python3';
const PYTHON_CLIENT_DIR = new URL('../packages/agent/python', import.meta.url).pathname;

/** Calls per timed sample and samples per figure; the median of the per-sample means is reported. */
const CALLS_PER_SAMPLE = 1000;
const SAMPLES = 300;

const SCRIPT = `
import json, statistics, time
import prov4ml

prov4ml.start_run("bench", "python_client_bench")
log_metric = prov4ml.log_metric
Context = prov4ml.Context
appended = []

def append(value):
    appended.append(value)

def empty(key, value, context=None, step=0, source=None, timestamp=None):
    return None

def sample_call(function, first_step):
    start = time.perf_counter_ns()
    for epoch in range(first_step, first_step + ${CALLS_PER_SAMPLE}):
        function("loss", 0.5, context=Context.TRAINING, step=epoch)
    return (time.perf_counter_ns() - start) / ${CALLS_PER_SAMPLE} / 1000

def sample_append(first_step):
    start = time.perf_counter_ns()
    for step in range(first_step, first_step + ${CALLS_PER_SAMPLE}):
        append(0.5)
    elapsed = time.perf_counter_ns() - start
    del appended[:]
    return elapsed / ${CALLS_PER_SAMPLE} / 1000

log_metric_us, empty_us, append_us = [], [], []
for i in range(${SAMPLES}):
    log_metric_us.append(sample_call(log_metric, i * ${CALLS_PER_SAMPLE}))
    empty_us.append(sample_call(empty, i * ${CALLS_PER_SAMPLE}))
    append_us.append(sample_append(i * ${CALLS_PER_SAMPLE}))
prov4ml.end_run()
print(json.dumps({
    "python_log_metric_us": statistics.median(log_metric_us),
    "python_empty_call_us": statistics.median(empty_us),
    "python_append_us": statistics.median(append_us),
}))
`;

export async function measurePythonClient(): Promise<Record<string, number>> {
  const directory = await mkdtemp(join(tmpdir(), 'prov4ml-bench-py-'));
  const server = await startChannelServer({ path: join(directory, 'agent.sock'), handler: { onMessage: answer } });
  try {
    const output = await runPython(server.path);
    return JSON.parse(output) as Record<string, number>;
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
}

/** Answers like an agent that takes everything in; the bench measures the client, not the agent. */
function answer(message: ClientMessage, reply: (reply: AgentReply) => void): void {
  if (message.t === 'start_run') {
    reply({ t: 'started', id: message.id, rank: 0, worldSize: 1, runDir: '/tmp', collectAllProcesses: false, saveAfterNLogs: message.saveAfterNLogs ?? 100, experimentName: 'bench', runId: 0, artifactsDir: '/tmp/artifacts/GR0' });
  } else if (message.t === 'flush' || message.t === 'end_run') {
    reply({ t: 'ok', id: message.id });
  }
}

function runPython(channelPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the channel server answers on this event loop while Python runs.
    const child = spawn(PYTHON, ['-c', SCRIPT], {
      env: { ...process.env, PYTHONPATH: PYTHON_CLIENT_DIR, PROV4ML_CHANNEL: channelPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${PYTHON} bench exited with ${code}: ${stderr}`))));
  });
}
