import { constants } from 'node:os';

/** The exit code to propagate for a child that ended: its own, or 128 + N for signal N, as a shell reports it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0);
}
