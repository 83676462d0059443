/**
 * The aggregator's ack socket (PUB) and its one send loop: acks by sender id and the beacon for every
 * sender (prov-core `Beacon`). Each send waits for a turn of the event loop, so under load acks queue
 * here; the beacon goes first (queued behind the acks of 16k ranks it arrived up to 15 s late, and every
 * sender resent on its clock), and queued acks of one sender become one (acks are cumulative).
 * The aggregator decides what to ack and how far behind it is; this only sends.
 */
import { BEACON_TOPIC, encodeAck, encodeBeacon, PROTOCOL_VERSION } from '@prov4ml/prov-core';
import type { Publisher } from 'zeromq';

export class AckPublisher {
  readonly #socket: Publisher;
  /** The newest `upTo` per sender not sent yet. */
  readonly #unsent = new Map<string, number>();
  /** Asks, at the moment the beacon is sent, how far behind the aggregator is; null: no beacon due. */
  #beaconDue: (() => number) | null = null;
  #sending: Promise<void> | null = null;

  constructor(socket: Publisher) {
    this.#socket = socket;
  }

  /** Acks in the queue, not yet handed to ZeroMQ. */
  get unsent(): number {
    return this.#unsent.size;
  }

  ack(sender: string, upTo: number): void {
    this.#unsent.set(sender, upTo);
    this.#send();
  }

  beacon(behindMs: () => number): void {
    this.#beaconDue = behindMs;
    this.#send();
  }

  /** Sends what is queued, then closes the socket (its linger lets ZeroMQ deliver it). */
  async close(): Promise<void> {
    await this.#sending;
    this.#socket.close();
  }

  #send(): void {
    this.#sending ??= (async () => {
      while (this.#beaconDue !== null || this.#unsent.size > 0) {
        let message: [string, Buffer];
        if (this.#beaconDue !== null) {
          const behindMs = this.#beaconDue();
          this.#beaconDue = null;
          message = [BEACON_TOPIC, encodeBeacon({ v: PROTOCOL_VERSION, behindMs })];
        } else {
          const [sender, upTo] = this.#unsent.entries().next().value as [string, number];
          this.#unsent.delete(sender);
          message = [sender, encodeAck({ v: PROTOCOL_VERSION, sender, upTo })];
        }
        // A PUB socket drops rather than blocks; it fails only once closed.
        await this.#socket.send(message).catch(() => undefined);
      }
    })().finally(() => {
      this.#sending = null;
      // Queued between the loop's last check and here: the loop had ended, so nothing else sends it.
      if (this.#beaconDue !== null || this.#unsent.size > 0) this.#send();
    });
  }
}
