import { execFile } from 'node:child_process';

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
 */
export function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs, maxBuffer: options.maxOutputBytes, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ kind: 'output', stdout });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ kind: 'missing' });
        if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return resolve({ kind: 'failed', message: `${command} printed more than ${options.maxOutputBytes} bytes` });
        }
        if (error.killed) return resolve({ kind: 'failed', message: `${command} timed out after ${options.timeoutMs} ms` });
        // nvidia-smi prints its own errors ("NVIDIA-SMI has failed because …") on stdout.
        const said = firstLine(stderr) ?? firstLine(stdout) ?? error.message;
        resolve({ kind: 'failed', message: `${command} failed (exit ${String(error.code ?? error.signal)}): ${said}` });
      },
    );
  });
}

function firstLine(text: string): string | null {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '');
  return line === undefined ? null : line.trim().slice(0, 300);
}
