/** Free TCP port pairs on loopback for tests that start an aggregator on a port they choose. */
import { once } from 'node:events';
import { createServer } from 'node:net';

/** Below Linux's ephemeral range (32768-60999), as the derived ports of endpoint.ts are. */
export const BELOW_EPHEMERAL_PORTS = { from: 22_000, to: 32_000 };

/**
 * Two free TCP ports p and p + 1 on loopback (the aggregator binds both), p in [from, to). By default
 * outside the ephemeral range: ranks that keep connecting to a port nobody listens on yet (a late
 * aggregator) can be given that very port as their own source port and connect to themselves, and the
 * aggregator's bind then fails with EADDRINUSE.
 */
export async function freePortPair(range: { from: number; to: number } = BELOW_EPHEMERAL_PORTS): Promise<number> {
  for (;;) {
    const port = range.from + 2 * Math.floor((Math.random() * (range.to - range.from)) / 2);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return false;
  }
  server.close();
  await once(server, 'close');
  return true;
}
