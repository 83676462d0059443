import { readFile } from 'node:fs/promises';

/** How often a file another process is expected to write is looked for. */
export const FILE_POLL_INTERVAL_MS = 100;

/**
 * The trimmed text of a file that another process (rank 0's agent, the aggregator) writes, once it is
 * there and not empty; null when `timeoutMs` passes or `cancelled()` says to stop first. Writers
 * rename complete files into place or write them in one short call, so a non-empty text is a whole one.
 */
export async function waitForFileText(path: string, timeoutMs: number, cancelled: () => boolean): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = (await readFile(path, 'utf8')).trim();
      if (text !== '') return text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (Date.now() > deadline || cancelled()) return null;
    await new Promise((resolve) => setTimeout(resolve, FILE_POLL_INTERVAL_MS));
  }
}
