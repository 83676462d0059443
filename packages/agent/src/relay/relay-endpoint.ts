/**
 * Where a node's relay listens: derived from the job key and the node rank, so every rank of the node
 * knows it at once — nothing to wait for, no file on the shared filesystem (one path there would be
 * every node's; Unix sockets on NFS or Lustre are node-local at best), no stale file naming a dead relay.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_IPC_PATH_BYTES, ZmqEndpoint } from '@prov4ml/prov-core';

/** Hex digits of the job's digest in the socket's name: two jobs on one node never meet. */
const DIGEST_HEX = 20;

/**
 * `ipc://<tmp>/prov4ml-relay-<digest>` for node `nodeRank` of the job `jobKey` (its acks at the same
 * path + `.ack`), under `tmp` (the temporary directory, which a batch system may make per job) or
 * `/tmp` when that path would pass the 107 bytes a Unix socket's path may have.
 */
export function relayEndpoint(jobKey: string, nodeRank: number, tmp: string = tmpdir()): string {
  const digest = createHash('sha256').update(`${jobKey}\n${nodeRank}`).digest('hex').slice(0, DIGEST_HEX);
  const name = `prov4ml-relay-${digest}`;
  const path = Buffer.byteLength(join(tmp, name)) <= MAX_IPC_PATH_BYTES ? join(tmp, name) : join('/tmp', name);
  return ZmqEndpoint.ipc(path).toString();
}
