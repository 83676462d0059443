/**
 * How many ranks the aggregator's open-file limit lets it take (docs/SCALING.md: 2 descriptors per
 * rank connection, RESERVED_DESCRIPTORS kept for received logs, finalisation and the process itself),
 * said in one line at start so that the limit is known before it bites.
 *
 * Node has no getrlimit: the limit is read from /proc/self/limits (Linux). Elsewhere it is unknown and
 * the line says how to check it. Node raises its soft limit to the hard one when it starts, so the
 * hard limit is what counts; only the shell or service that starts the aggregator can raise that
 * (`ulimit -Hn` as root, limits.conf, systemd LimitNOFILE, Slurm's PropagateResourceLimits), never the
 * aggregator itself.
 */
import { readFileSync } from 'node:fs';
import { DESCRIPTORS_PER_CONNECTION, RESERVED_DESCRIPTORS } from '../limits.js';

export interface OpenFileLimit {
  /** Descriptors this process may open; null: unlimited. */
  soft: number | null;
  hard: number | null;
}

/** The `Max open files` line of /proc/self/limits, or null where there is none (not Linux). */
export function readOpenFileLimit(limitsText?: string): OpenFileLimit | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (match === null) return null;
  const value = (field: string) => (field === 'unlimited' ? null : Number(field));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/** Connections (ranks, or nodes through per-node relays) an open-file limit leaves room for. */
export function connectionCapacity(limit: number): number {
  return Math.max(0, Math.floor((limit - RESERVED_DESCRIPTORS) / DESCRIPTORS_PER_CONNECTION));
}

/** The one line the aggregator logs at start; `worldSize` when the job's size is known. */
export function openFileLimitLine(limit: OpenFileLimit | null, worldSize?: number): string {
  if (limit === null) {
    return `open-file limit: unknown on ${process.platform} (no /proc/self/limits); each rank takes ${DESCRIPTORS_PER_CONNECTION} descriptors and ${RESERVED_DESCRIPTORS} are kept for files: check \`ulimit -n\``;
  }
  if (limit.soft === null) return 'open-file limit: unlimited';
  const capacity = connectionCapacity(limit.soft);
  const hard = limit.hard === null ? 'unlimited' : String(limit.hard);
  const over = worldSize !== undefined && worldSize > capacity
    ? `; this job's ${worldSize} ranks are more: the ranks past it keep their records in their spools (after the job: prov4ml merge <run dir>)`
    : '';
  return (
    `open-file limit ${limit.soft} (hard ${hard}): room for ${capacity} ranks, or ${capacity} nodes through per-node relays ` +
    `(${DESCRIPTORS_PER_CONNECTION} descriptors each, ${RESERVED_DESCRIPTORS} kept for files)${over}; to raise it, raise the hard limit ` +
    `before the aggregator starts (\`ulimit -Hn 65536\` as root, limits.conf or LimitNOFILE): Node raises its soft limit to the hard one itself`
  );
}
