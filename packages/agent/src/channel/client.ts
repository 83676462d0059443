/**
 * The program's end of the local channel in Node: what the TS API uses under `prov4ml run`, where
 * the wrapper is the rank's agent and the program only reports to it.
 */
import { createConnection, type Socket } from 'node:net';
import { decodeUtf8, oneLine, UserError } from '@prov4ml/prov-core';
import { decodeAgentReply, encodeClientMessage } from './codec.js';
import { FrameReader, jsonFrame } from './framing.js';
import { PROV4ML_VERSION } from '../version.js';
import { MAX_CLIENT_BACKLOG_BYTES, MAX_PENDING_REQUESTS } from './limits.js';
import type { ClientMessage, ClientNotification, ClientRequest, ReplyFor } from './protocol.js';

type WithoutId<M> = M extends unknown ? Omit<M, 'id'> : never;
/** A request as the caller writes it; the client numbers it. */
export type ChannelRequestBody = WithoutId<ClientRequest>;

/** The agent answered a request with an error; `message` is one line meant for the user. */
export class ChannelRequestError extends Error {
  override readonly name = 'ChannelRequestError';
  constructor(
    readonly request: ClientRequest['t'],
    message: string,
  ) {
    super(message);
  }
}

/** The channel failed (the agent is gone, or stopped reading): nothing sent from now on reaches it. */
export class ChannelFailedError extends Error {
  override readonly name = 'ChannelFailedError';
}

export interface ChannelClient {
  /** Queues a message that gets no reply. Throws ChannelFailedError once the channel has failed. */
  send(message: ClientNotification): void;
  /** Sends a request and resolves with its reply; rejects with ChannelRequestError on an error reply. */
  request<M extends ChannelRequestBody>(message: M): Promise<ReplyFor[M['t']]>;
  /** Ends the connection after what was sent; rejects nothing already answered. Idempotent. */
  close(): Promise<void>;
}

/** Connects to the agent listening on `path` and says hello. */
export async function connectChannel(path: string): Promise<ChannelClient> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const connecting = createConnection(path);
    connecting.once('connect', () => {
      connecting.off('error', reject);
      resolve(connecting);
    });
    connecting.once('error', reject);
  }).catch((error: unknown) => {
    throw new UserError(`cannot connect to the prov4ml agent's channel ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  });
  const client = new SocketChannelClient(socket, path);
  client.send({ t: 'hello', pid: process.pid, lang: 'node', version: PROV4ML_VERSION });
  return client;
}

interface Waiter {
  type: ClientRequest['t'];
  resolve: (reply: ReplyFor[keyof ReplyFor]) => void;
  reject: (error: Error) => void;
}

class SocketChannelClient implements ChannelClient {
  private readonly pending = new Map<number, Waiter>();
  private readonly reader = new FrameReader();
  private nextId = 1;
  private failure: ChannelFailedError | undefined;
  private readonly closed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly path: string,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(`the channel to the prov4ml agent at ${path} failed: ${error.message}`));
    socket.on('close', () => this.fail(`the channel to the prov4ml agent at ${path} is closed`));
  }

  send(message: ClientNotification): void {
    this.write(message);
  }

  request<M extends ChannelRequestBody>(message: M): Promise<ReplyFor[M['t']]> {
    if (this.pending.size >= MAX_PENDING_REQUESTS) {
      return Promise.reject(new Error(`more than ${MAX_PENDING_REQUESTS} requests to the prov4ml agent wait for a reply`));
    }
    const id = this.nextId++;
    return new Promise<ReplyFor[M['t']]>((resolve, reject) => {
      this.pending.set(id, { type: message.t, resolve: resolve as Waiter['resolve'], reject });
      try {
        this.write({ ...message, id } as ClientRequest);
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  private write(message: ClientMessage): void {
    if (this.failure) throw this.failure;
    if (this.socket.writableLength > MAX_CLIENT_BACKLOG_BYTES) {
      // An agent that left this much unread is hung: the channel fails for good, as when it is gone.
      this.fail(`the prov4ml agent at ${this.path} stopped reading (${MAX_CLIENT_BACKLOG_BYTES} bytes queued)`);
      throw this.failure;
    }
    this.socket.write(jsonFrame(encodeClientMessage(message)));
  }

  private receive(chunk: Buffer): void {
    try {
      for (const frame of this.reader.push(chunk)) this.settle(decodeAgentReply(JSON.parse(decodeUtf8(frame, 'reply'))));
    } catch (error) {
      this.fail(`the prov4ml agent at ${this.path} sent a broken reply: ${oneLine((error as Error).message)}`);
      this.socket.destroy();
    }
  }

  private settle(reply: ReturnType<typeof decodeAgentReply>): void {
    if (reply === null) throw new Error('not a reply of this protocol');
    const waiter = this.pending.get(reply.id);
    if (!waiter) throw new Error(`a reply to request ${reply.id}, which is not waiting`);
    this.pending.delete(reply.id);
    if (reply.t === 'error') waiter.reject(new ChannelRequestError(waiter.type, reply.message));
    else if ((reply.t === 'started') !== (waiter.type === 'start_run')) waiter.reject(new Error(`the prov4ml agent answered ${waiter.type} with ${reply.t}`));
    else waiter.resolve(reply);
  }

  private fail(reason: string): void {
    this.failure ??= new ChannelFailedError(reason);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}
