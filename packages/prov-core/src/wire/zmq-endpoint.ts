/**
 * ZeroMQ endpoints, parsed and formatted in one place. Ranks, the aggregator, the relay and the command
 * line all ask here, so an endpoint one side accepts the other can use: `tcp://HOST:PORT` and
 * `ipc://PATH` are supported end to end (data socket and ack socket); `inproc://` is not, because ranks
 * and aggregator never share a ZeroMQ context across processes.
 */

/** Largest data port: the ack socket binds port + 1. */
export const MAX_DATA_PORT = 65_534;
/** Suffix of the ack socket's path beside an ipc:// data socket. */
export const IPC_ACK_SUFFIX = '.ack';
/**
 * Longest ipc:// path of a data socket: a Unix socket address holds 107 bytes and a terminating NUL,
 * and the ack socket's path is this one plus {@link IPC_ACK_SUFFIX}.
 */
export const MAX_IPC_PATH_BYTES = 107 - IPC_ACK_SUFFIX.length;

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]+\]$/;
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['*', '0.0.0.0', '[::]']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** How an endpoint is used: a bind may name a wildcard host and an ephemeral port (0 or *). */
export type EndpointUse = 'connect' | 'bind';

/** A parsed ZeroMQ endpoint. Immutable; `toString()` gives the text ZeroMQ takes. */
export class ZmqEndpoint {
  private constructor(
    readonly transport: 'tcp' | 'ipc',
    /** tcp: the host as written (name, IPv4, [IPv6], or a wildcard on a bind); ipc: ''. */
    readonly host: string,
    /** tcp: the port, null for an ephemeral bind (0 or *); ipc: null. */
    readonly port: number | null,
    /** ipc: the socket's path; tcp: ''. */
    readonly path: string,
  ) {}

  /**
   * The endpoint `text` names, or null when it is not one `use` can take: `tcp://HOST:PORT` (host
   * name, IPv4 or [IPv6]; port 1–65534, as the ack socket takes port + 1; a bind may also give the
   * host `*` and port 0 or *) or `ipc://PATH` (at most {@link MAX_IPC_PATH_BYTES} bytes).
   */
  static parse(text: string, use: EndpointUse = 'connect'): ZmqEndpoint | null {
    const ipc = /^ipc:\/\/(.+)$/s.exec(text);
    if (ipc !== null) {
      const path = ipc[1]!;
      return Buffer.byteLength(path) <= MAX_IPC_PATH_BYTES && !CONTROL.test(path) ? ZmqEndpoint.ipc(path) : null;
    }
    const tcp = /^tcp:\/\/(.+):(\d{1,5}|\*)$/.exec(text);
    if (tcp === null) return null;
    const host = tcp[1]!;
    // 0.0.0.0 and [::] pass as addresses (Linux connects them to this host); `*` only binds.
    if (!(HOST_NAME.test(host) || IPV6_LITERAL.test(host) || (host === '*' && use === 'bind'))) return null;
    if (tcp[2] === '*' || tcp[2] === '0') return use === 'bind' ? new ZmqEndpoint('tcp', host, null, '') : null;
    const port = Number(tcp[2]);
    return port >= 1 && port <= MAX_DATA_PORT ? new ZmqEndpoint('tcp', host, port, '') : null;
  }

  /** `tcp://host:port` (an IPv6 address in brackets); port 0 or null: an ephemeral bind. */
  static tcp(host: string, port: number | null): ZmqEndpoint {
    const written = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return new ZmqEndpoint('tcp', written, port === 0 ? null : port, '');
  }

  static ipc(path: string): ZmqEndpoint {
    return new ZmqEndpoint('ipc', '', null, path);
  }

  /** Where the acks of this data endpoint are: tcp port + 1, or the ipc path plus {@link IPC_ACK_SUFFIX}. */
  ackEndpoint(): ZmqEndpoint {
    if (this.transport === 'ipc') return ZmqEndpoint.ipc(`${this.path}${IPC_ACK_SUFFIX}`);
    if (this.port === null) throw new Error(`the ack endpoint of ${this.toString()} is known only once it is bound`);
    return new ZmqEndpoint('tcp', this.host, this.port + 1, '');
  }

  /** A bind to any free port (tcp `*` or 0); such an endpoint is published once bound. */
  get ephemeral(): boolean {
    return this.transport === 'tcp' && this.port === null;
  }

  /** A bind on every interface (tcp `*`, 0.0.0.0, [::]). */
  get wildcard(): boolean {
    return this.transport === 'tcp' && WILDCARD_HOSTS.has(this.host);
  }

  /**
   * True when the endpoint never leaves this host (ipc://, localhost, 127.0.0.0/8, [::1]). A wildcard
   * bind is not: it listens on every interface.
   */
  get loopback(): boolean {
    if (this.transport === 'ipc') return true;
    return this.host === 'localhost' || this.host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(this.host);
  }

  /** The same endpoint on another port (the port a bind to `*` was given). */
  withPort(port: number): ZmqEndpoint {
    return new ZmqEndpoint(this.transport, this.host, port, this.path);
  }

  /** The same endpoint on another host (a wildcard bind is reached through this host's name). */
  withHost(host: string): ZmqEndpoint {
    return ZmqEndpoint.tcp(host, this.port);
  }

  toString(): string {
    return this.transport === 'ipc' ? `ipc://${this.path}` : `tcp://${this.host}:${this.port ?? '*'}`;
  }
}

/** `tcp://host:port`, with an IPv6 literal in brackets. */
export function tcpEndpoint(host: string, port: number): string {
  return ZmqEndpoint.tcp(host, port).toString();
}

/**
 * True when the endpoint never leaves this host (see {@link ZmqEndpoint.loopback}; `inproc://` never
 * leaves its process); text that is no endpoint is not loopback.
 */
export function isLoopbackEndpoint(endpoint: string): boolean {
  if (endpoint.startsWith('inproc://')) return true;
  return ZmqEndpoint.parse(endpoint, 'bind')?.loopback ?? false;
}

/** The ack endpoint of a data endpoint a rank connects to (see {@link ZmqEndpoint.ackEndpoint}). */
export function ackEndpointFor(endpoint: string): string {
  const parsed = ZmqEndpoint.parse(endpoint, 'bind');
  if (parsed === null) throw new Error(`cannot derive the ack endpoint of ${endpoint}: not a ZeroMQ endpoint tcp://HOST:PORT or ipc://PATH`);
  return parsed.ackEndpoint().toString();
}
