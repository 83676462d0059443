/**
 * Which frames count for a rank: the one rule the receive loop (job-tracker.ts) and every replay of
 * frame files (finalize/job-replay.ts) apply, so that what is acked is what the files hold.
 */
import type { Envelope } from '@prov4ml/prov-core';

/** Why a frame of a rank does not count; each is also the cause a receive loop drops it for. */
export type UncountedCause = 'wrong_job' | 'sender_changed' | 'duplicate';

/**
 * Null when `envelope` counts for its rank: it is of `jobKey`, from the rank's sender (the first sender
 * its frames named), and its sequence number is above `countedUpTo`, the highest already counted.
 */
export function uncountedCause(envelope: Pick<Envelope, 'job' | 'sender' | 'seq'>, jobKey: string, sender: string, countedUpTo: number): UncountedCause | null {
  if (envelope.job !== jobKey) return 'wrong_job';
  if (envelope.sender !== sender) return 'sender_changed';
  if (envelope.seq <= countedUpTo) return 'duplicate';
  return null;
}

export function countsFrame(envelope: Pick<Envelope, 'job' | 'sender' | 'seq'>, jobKey: string, sender: string, countedUpTo: number): boolean {
  return uncountedCause(envelope, jobKey, sender, countedUpTo) === null;
}
