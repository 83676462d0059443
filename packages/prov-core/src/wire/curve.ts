/**
 * When the transport between ranks and aggregator needs ZeroMQ CURVE (encryption, and the server
 * authenticated to its clients), decided in one place so that the aggregator and every rank, each
 * deciding alone, come to the same answer (README "Security / threat model").
 */

import { isLoopbackEndpoint } from './zmq-endpoint.js';

/** A CURVE key pair in ZeroMQ's Z85 text (40 characters each). */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** One Z85-encoded 32-byte CURVE key. */
export const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

export interface CurvePolicyInput {
  /** What the aggregator binds, or what a rank connects to. */
  endpoint: string;
  /** PROV4ML_KEY_DIR: naming a key directory asks for CURVE even on loopback. */
  keyDir: string | null;
  /** PROV4ML_INSECURE: plain transport whatever the endpoint. */
  insecure: boolean;
}

/**
 * CURVE is on unless PROV4ML_INSECURE says otherwise, whenever the endpoint is not loopback or a key
 * directory is named. The second rule keeps both sides in step when a rank reaches a wildcard-bound
 * aggregator through 127.0.0.1: it cannot see the bind, but it sees the same PROV4ML_KEY_DIR.
 */
export function curveRequired(input: CurvePolicyInput): boolean {
  return !input.insecure && (input.keyDir !== null || !isLoopbackEndpoint(input.endpoint));
}
