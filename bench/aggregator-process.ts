/** The stand-alone aggregator of a bench part, in its own process (aggregator-child.mjs). */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CurveKeyPair } from '@prov4ml/prov-core';
import { statusMiB } from './stats.js';

const CHILD = new URL('./aggregator-child.mjs', import.meta.url).pathname;

export interface AggregatorProcess {
  /** The PULL endpoint it bound. */
  readonly endpoint: string;
  readonly pid: number;
  /** Resolves once the job is finalised and the process exited 0; `copies`: frames it received again; CPU seconds of all its threads. */
  readonly finalized: Promise<{ points: number; copies: number; peakRssMiB: number; userCpuSeconds: number; systemCpuSeconds: number }>;
}

/** Where it binds (default tcp://127.0.0.1:0) and its CURVE key pair (default: plain transport). */
export interface AggregatorProcessOptions {
  bind?: string;
  curve?: CurveKeyPair;
}

/** Starts the aggregator of `jobKey`; resolves once it has bound. Killed after `timeoutMs`. */
export async function startAggregatorProcess(jobKey: string, worldSize: number, timeoutMs: number, options: AggregatorProcessOptions = {}): Promise<AggregatorProcess> {
  const bindArguments = options.bind === undefined ? [] : [options.bind, ...(options.curve === undefined ? [] : [JSON.stringify(options.curve)])];
  const child = spawn(process.execPath, [CHILD, jobKey, String(worldSize), ...bindArguments], { stdio: ['ignore', 'pipe', 'inherit'], timeout: timeoutMs });
  const lines: string[] = [];
  const output = createInterface({ input: child.stdout });
  output.on('line', (line) => void lines.push(line));
  const firstLine = new Promise<string>((resolve) => output.once('line', resolve));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench: the aggregator process ended with ${signal ?? `exit status ${code}`}`))));
  });
  const endpoint = await Promise.race([
    firstLine,
    exited.then(() => Promise.reject(new Error('bench: the aggregator process exited before binding'))),
  ]);
  const finalized = exited.then(() => {
    const { points, copies, cpu, status } = JSON.parse(lines[1]!) as { points: number; copies: number; cpu: NodeJS.CpuUsage; status: string };
    return { points, copies, peakRssMiB: statusMiB(status, 'VmHWM'), userCpuSeconds: cpu.user / 1e6, systemCpuSeconds: cpu.system / 1e6 };
  });
  return { endpoint, pid: child.pid!, finalized };
}
