import { spawn } from 'node:child_process';
import { GPU_TOOL_STDERR_KEPT_BYTES } from '../limits.js';

export type ToolResult =
  | { kind: 'output'; stdout: string }
  /** The command is not installed (ENOENT): the node has no such GPU, which is not an error. */
  | { kind: 'missing' }
  | { kind: 'failed'; message: string };

export interface RunToolOptions {
  timeoutMs: number;
  maxOutputBytes: number;
}

/**
 * Runs a vendor tool asynchronously (never on the training program's thread, never blocking the
 * agent's event loop) and says what happened in one line; it never rejects.
 *
 * spawn with stdin closed, rather than execFile, because execFile's extra stdin pipe and string
 * handling cost ~0.4 ms of the agent's CPU per call (measured on the development VM), a tenth of the
 * whole sample's budget.
 */
export function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let overflow = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxOutputBytes) {
        overflow = true;
        child.kill();
      } else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < GPU_TOOL_STDERR_KEPT_BYTES) stderr += chunk.toString('utf8', 0, GPU_TOOL_STDERR_KEPT_BYTES - stderr.length);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'failed', message: `${command} could not start: ${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const output = Buffer.concat(stdout).toString('utf8');
      if (overflow) return resolve({ kind: 'failed', message: `${command} printed more than ${options.maxOutputBytes} bytes` });
      if (code === 0) return resolve({ kind: 'output', stdout: output });
      if (timedOut) return resolve({ kind: 'failed', message: `${command} timed out after ${options.timeoutMs} ms` });
      // nvidia-smi prints its own errors ("NVIDIA-SMI has failed because …") on stdout.
      const said = firstLine(stderr) ?? firstLine(output) ?? 'no message';
      resolve({ kind: 'failed', message: `${command} failed (exit ${String(code)}): ${said}` });
    });
  });
}

function firstLine(text: string): string | null {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '');
  return line === undefined ? null : line.trim().slice(0, 300);
}
