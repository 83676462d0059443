/**
 * The aggregator's two ZeroMQ sockets: PULL for frames on the bound port, PUB for acks on port + 1
 * (docs/ARCHITECTURE.md). An ephemeral port (0 or *) is retried until both ports of a pair are free.
 */
import { hostname } from 'node:os';
import { Publisher, Pull } from 'zeromq';
import { ackEndpointFor, UserError } from '@prov4ml/prov-core';
import { MAX_ZMQ_MESSAGE_BYTES, RECEIVE_HIGH_WATER_MARK } from './limits.js';

/** How long the PUB socket keeps unsent acks after close. */
const ACK_LINGER_MS = 1_000;

/** Ephemeral port pairs tried before giving up (each try fails only when port + 1 is taken). */
const EPHEMERAL_BIND_ATTEMPTS = 20;

export interface BoundSockets {
  pull: Pull;
  acks: Publisher;
  /** The PULL endpoint a rank can connect to: tcp://host:port. */
  endpoint: string;
}

const ENDPOINT = /^tcp:\/\/(.+):(\d{1,5}|\*)$/;

export async function bindSockets(bind: string): Promise<BoundSockets> {
  const match = ENDPOINT.exec(bind);
  if (match === null) throw new UserError(`bind endpoint ${bind} is not tcp://HOST:PORT`);
  const host = match[1]!;
  const ephemeral = match[2] === '*' || match[2] === '0';
  if (!ephemeral && Number(match[2]) > 65534) throw new UserError(`bind endpoint ${bind}: the port must be below 65535 (acks use port + 1)`);
  for (let attempt = 1; ; attempt++) {
    const pull = new Pull({ maxMessageSize: MAX_ZMQ_MESSAGE_BYTES, receiveHighWaterMark: RECEIVE_HIGH_WATER_MARK, linger: 0 });
    const acks = new Publisher({ linger: ACK_LINGER_MS });
    try {
      await pull.bind(ephemeral ? `tcp://${host}:*` : bind);
    } catch (error) {
      pull.close();
      acks.close();
      throw new UserError(`cannot bind ${bind}: ${(error as Error).message}`);
    }
    const port = Number(/:(\d+)$/.exec(pull.lastEndpoint ?? '')?.[1]);
    const ackEndpoint = ackEndpointFor(`tcp://${host}:${port}`);
    try {
      await acks.bind(ackEndpoint);
      return { pull, acks, endpoint: `tcp://${connectableHost(host)}:${port}` };
    } catch (error) {
      pull.close();
      acks.close();
      if (!ephemeral || attempt === EPHEMERAL_BIND_ATTEMPTS) {
        throw new UserError(`cannot bind the ack port ${ackEndpoint} (bind ${bind}): ${(error as Error).message}`);
      }
    }
  }
}

/** A wildcard bind is reached through this host's name. */
function connectableHost(host: string): string {
  return host === '*' || host === '0.0.0.0' || host === '[::]' ? hostname() : host;
}
