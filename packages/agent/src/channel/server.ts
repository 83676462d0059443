/**
 * The agent's end of the local channel: a Unix socket server that turns frames into checked
 * messages for a handler. A connection that breaks the protocol is closed with a logged reason; the
 * agent itself never fails because of what a client sent.
 */
import { chmod, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { decodeUtf8, oneLine, UserError } from '@prov4ml/prov-core';
import { decodeClientMessage } from './codec.js';
import { FrameReader, jsonFrame, OversizedFrameError } from './framing.js';
import { MAX_CHANNEL_CONNECTIONS, MAX_REPLY_BACKLOG_BYTES, MAX_SOCKET_PATH_BYTES } from './limits.js';
import type { AgentReply, ChannelLanguage, ClientMessage } from './protocol.js';

/** Dropped messages logged per connection; a client that keeps sending bad ones is noisy enough after that. */
export const MAX_LOGGED_DROPS_PER_CONNECTION = 10;

/** One connected program, as far as its hello told. */
export interface ConnectionInfo {
  /** Unique per server, from 1. */
  readonly id: number;
  pid: number | null;
  lang: ChannelLanguage | null;
  version: string | null;
}

export interface ChannelHandler {
  /** Called in arrival order for every valid message, the hello included. Must not throw (a throw is logged). */
  onMessage(message: ClientMessage, reply: (reply: AgentReply) => void, connection: ConnectionInfo): void;
  onDisconnect?(connection: ConnectionInfo): void;
}

export interface ChannelServerOptions {
  /** Path of the Unix socket; a stale socket file left by a dead agent is replaced. */
  path: string;
  handler: ChannelHandler;
  log?: (line: string) => void;
}

export interface ChannelServer {
  readonly path: string;
  /** Stops listening, closes every connection and removes the socket file. Idempotent. */
  close(): Promise<void>;
}

export async function startChannelServer(options: ChannelServerOptions): Promise<ChannelServer> {
  const { path, handler } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`prov4ml agent: ${line}\n`));
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new UserError(`channel socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes, the limit of Unix sockets`);
  }
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, { id: nextConnectionId++, pid: null, lang: null, version: null }, handler, log);
  });
  server.maxConnections = MAX_CHANNEL_CONNECTIONS;
  await listen(server, path);
  // Only the user who runs the job may talk to its agent.
  await chmod(path, 0o600);

  let closing: Promise<void> | undefined;
  return {
    path,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function serveConnection(socket: Socket, connection: ConnectionInfo, handler: ChannelHandler, log: (line: string) => void): void {
  const reader = new FrameReader();
  let drops = 0;
  const who = () => `channel connection ${connection.id}${connection.pid === null ? '' : ` (pid ${connection.pid})`}`;

  const close = (reason: string) => {
    log(`${who()} closed: ${reason}`);
    socket.destroy();
  };
  const reply = (message: AgentReply) => {
    if (socket.destroyed) return;
    if (socket.writableLength > MAX_REPLY_BACKLOG_BYTES) {
      close(`it left more than ${MAX_REPLY_BACKLOG_BYTES} bytes of replies unread`);
      return;
    }
    socket.write(jsonFrame(JSON.stringify(message)));
  };
  const drop = (reason: string, id: number | null) => {
    drops += 1;
    if (drops <= MAX_LOGGED_DROPS_PER_CONNECTION) {
      log(`${who()}: dropped a message: ${oneLine(reason)}${drops === MAX_LOGGED_DROPS_PER_CONNECTION ? ' (further drops are not logged)' : ''}`);
    }
    if (id !== null) reply({ t: 'error', id, message: `prov4ml agent refused the message: ${oneLine(reason)}` });
  };

  const handleFrame = (payload: Buffer) => {
    let raw: unknown;
    try {
      raw = JSON.parse(decodeUtf8(payload, 'frame'));
    } catch (error) {
      close(`a frame is not UTF-8 JSON (${oneLine((error as Error).message)})`);
      return;
    }
    const check = decodeClientMessage(raw);
    if (!check.ok) {
      if (check.fatal) close(check.reason);
      else drop(check.reason, check.id);
      return;
    }
    const message = check.message;
    if (message.t === 'hello') Object.assign(connection, { pid: message.pid, lang: message.lang, version: message.version });
    try {
      handler.onMessage(message, reply, connection);
    } catch (error) {
      log(`${who()}: the agent failed on a ${message.t} message: ${oneLine(error instanceof Error ? error.message : String(error))}`);
      if ('id' in message) reply({ t: 'error', id: message.id, message: `prov4ml agent failed on ${message.t}` });
    }
  };

  socket.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = reader.push(chunk);
    } catch (error) {
      if (!(error instanceof OversizedFrameError)) throw error;
      close(error.message);
      return;
    }
    for (const frame of frames) {
      if (socket.destroyed) return;
      handleFrame(frame);
    }
  });
  // A program that dies resets its connection; that is an ordinary end, not something to report.
  socket.on('error', () => socket.destroy());
  socket.on('close', () => handler.onDisconnect?.(connection));
}

/** Listens on `path`, replacing a socket file no agent answers on any more. */
async function listen(server: Server, path: string): Promise<void> {
  try {
    await listenOnce(server, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw channelPathError(path, error);
    if (await somebodyListens(path)) throw new UserError(`channel socket ${path} is already in use by another agent`);
    await unlink(path);
    await listenOnce(server, path).catch((retryError: unknown) => {
      throw channelPathError(path, retryError);
    });
  }
}

function listenOnce(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function somebodyListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function channelPathError(path: string, error: unknown): UserError {
  return new UserError(`cannot listen on channel socket ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}
