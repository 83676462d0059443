/**
 * The aggregator's two ZeroMQ sockets: PULL for frames on the bound port, PUB for acks on port + 1
 * (docs/ARCHITECTURE.md). An ephemeral port (0 or *) is retried until both ports of a pair are free.
 * Off loopback both are CURVE servers: a peer without the server's public key fails the handshake, so
 * not one of its frames reaches the receive loop, and it cannot read the acks either.
 */
import { hostname } from 'node:os';
import { Publisher, Pull, type Socket } from 'zeromq';
import { UserError, ZmqEndpoint, type CurveKeyPair } from '@prov4ml/prov-core';
import { ACK_SEND_HIGH_WATER_MARK, MAX_ZMQ_MESSAGE_BYTES, RECEIVE_HIGH_WATER_MARK } from '../limits.js';
import { readOpenFileLimit } from './descriptor-limit.js';

/** How long the PUB socket keeps unsent acks after close. */
const ACK_LINGER_MS = 1_000;

/** Ephemeral port pairs tried before giving up (each try fails only when port + 1 is taken). */
const EPHEMERAL_BIND_ATTEMPTS = 20;

export interface BindOptions {
  /** ZeroMQ endpoint of the PULL socket: tcp://HOST:PORT (0 or *: ephemeral) or ipc://PATH (acks on PATH.ack). */
  bind: string;
  /** The job's server key pair: both sockets become CURVE servers. */
  curve?: CurveKeyPair;
  /** Allows plain transport on a non-loopback bind (PROV4ML_INSECURE). */
  insecure?: boolean;
  log: (line: string) => void;
}

export interface BoundSockets {
  pull: Pull;
  acks: Publisher;
  /** The PULL endpoint a rank can connect to: tcp://host:port or ipc://path. */
  endpoint: string;
  /** Connections refused so far because the peer failed the security handshake (no or a wrong server key). */
  refusedHandshakes(): number;
}

/**
 * Binds both sockets, as CURVE servers when `curve` is given.
 * @throws UserError naming the bind when it is not tcp://HOST:PORT or ipc://PATH, cannot be bound, or is not loopback
 *   while neither a key pair nor `insecure` is given (plain transport off loopback is never a default).
 */
export async function bindSockets(options: BindOptions): Promise<BoundSockets> {
  const { bind, curve } = options;
  const endpoint = ZmqEndpoint.parse(bind, 'bind');
  if (endpoint === null) throw new UserError(`bind endpoint ${bind} is not tcp://HOST:PORT (port below 65535: acks use port + 1) or ipc://PATH`);
  if (curve === undefined && !endpoint.loopback) {
    if (options.insecure !== true) throw new UserError(`bind endpoint ${bind} is not loopback: it needs a CURVE key pair, or PROV4ML_INSECURE=1 for plain transport`);
    options.log(`plain transport on ${bind} (insecure): anyone who reaches the port can read what the ranks send and add records`);
  }
  const security = curve === undefined ? {} : { curveServer: true, curveSecretKey: curve.secretKey };
  for (let attempt = 1; ; attempt++) {
    const pull = new Pull({ maxMessageSize: MAX_ZMQ_MESSAGE_BYTES, receiveHighWaterMark: RECEIVE_HIGH_WATER_MARK, linger: 0, ...security });
    const acks = new Publisher({ linger: ACK_LINGER_MS, sendHighWaterMark: ACK_SEND_HIGH_WATER_MARK, ...security });
    try {
      await pull.bind(endpoint.toString());
    } catch (error) {
      pull.close();
      acks.close();
      throw new UserError(`cannot bind ${bind}: ${(error as Error).message}`);
    }
    const bound = endpoint.ephemeral ? endpoint.withPort(ZmqEndpoint.parse(pull.lastEndpoint ?? '', 'bind')!.port!) : endpoint;
    const ackEndpoint = bound.ackEndpoint().toString();
    try {
      await acks.bind(ackEndpoint);
      const refused = countRefusedHandshakes([pull, acks], options.log);
      const connectable = bound.wildcard ? bound.withHost(hostname()) : bound;
      return { pull, acks, endpoint: connectable.toString(), refusedHandshakes: () => refused.count };
    } catch (error) {
      pull.close();
      acks.close();
      if (!endpoint.ephemeral || attempt === EPHEMERAL_BIND_ATTEMPTS) {
        throw new UserError(`cannot bind the ack port ${ackEndpoint} (bind ${bind}): ${(error as Error).message}`);
      }
    }
  }
}

/** Said once when a connection cannot be accepted; past the open-file limit ZeroMQ retries without a word. */
function acceptFailureLine(error: Error & { code?: string }, limit: number | null | undefined): string {
  const cause = error.code === 'EMFILE' || error.code === 'ENFILE' ? `out of file descriptors (${error.code}${limit == null ? '' : `, limit ${limit}`})` : error.message;
  return (
    `cannot accept a rank's connection: ${cause}; the ranks it cannot accept keep their records in their spools and say so. ` +
    'Raise `ulimit -n` for the next job; for this one, after it ends: prov4ml merge <run dir>'
  );
}

/**
 * Counts the peers the sockets refuse at the security handshake (a plain sender at a CURVE socket, a
 * client with a wrong server key); the first is logged. The count ends with the sockets.
 */
function countRefusedHandshakes(sockets: Socket[], log: (line: string) => void): { count: number; acceptFailures: number } {
  const refused = { count: 0, acceptFailures: 0 };
  // Read now: once descriptors run out, /proc/self/limits cannot be opened either.
  const openFileLimit = readOpenFileLimit()?.soft;
  for (const socket of sockets) {
    void (async () => {
      for await (const event of socket.events) {
        if (event.type === 'accept:error') {
          if (refused.acceptFailures++ === 0) log(acceptFailureLine(event.error, openFileLimit));
          continue;
        }
        if (event.type !== 'handshake:error:protocol' && event.type !== 'handshake:error:auth' && event.type !== 'handshake:error:other') continue;
        if (refused.count++ === 0) {
          const reason = event.type === 'handshake:error:protocol' ? event.error.code : event.error.message;
          log(`refused a peer at ${event.address} that failed the security handshake (${reason}): it lacks the job's server key; further refusals are only counted`);
        }
      }
    })().catch(() => undefined);
  }
  return refused;
}
