/**
 * Where the 16k bench's nodes run: each in a network namespace of its own (`p4mlbench01`…) on a bridge
 * of the bench's own (`p4mlbr1`, 10.78.0.0/24, the aggregator at 10.78.0.254 on the host side), when
 * we are root and `ip netns` works; else all on this host's loopback. Only these namespaces' own
 * addresses are ever used; `close` removes every namespace and the bridge, also after a failure (and a
 * crashed run's leftovers are removed before a new one starts).
 */
import { execFileSync } from 'node:child_process';

const BRIDGE = 'p4mlbr1';
const SUBNET = '10.78.0';
const BRIDGE_HOST = 254;

export interface BenchNetwork {
  mode: 'netns' | 'loopback';
  /** The address the aggregator binds and the nodes connect to. */
  aggregatorHost: string;
  /** Node `node`'s (1-based) namespace; undefined on loopback. */
  namespace(node: number): string | undefined;
  close(): void;
}

const namespaceOf = (node: number): string => `p4mlbench${String(node).padStart(2, '0')}`;
/** The host end of node `node`'s veth pair (interface names have at most 15 characters). */
const hostEndOf = (node: number): string => `p4mlb1v${String(node).padStart(2, '0')}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // Already gone.
  }
}

/** Removes the namespaces, the veth pairs (also one a namespace still in use keeps alive) and the bridge. */
function removeAll(nodes: number): void {
  for (let node = 1; node <= nodes; node++) {
    quietly(() => ip('netns', 'del', namespaceOf(node)));
    quietly(() => ip('link', 'del', hostEndOf(node)));
  }
  quietly(() => ip('link', 'del', BRIDGE));
}

/** Signals that end a bench run early: the namespaces go first. */
const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const LOOPBACK: BenchNetwork = { mode: 'loopback', aggregatorHost: '127.0.0.1', namespace: () => undefined, close: () => undefined };

/** Sets up `nodes` namespaces on the bridge, or says (through `log`) why the bench runs on loopback. */
export function benchNetwork(nodes: number, log: (line: string) => void): BenchNetwork {
  if (process.getuid?.() !== 0) {
    log('not root: the nodes run on loopback, not in network namespaces');
    return LOOPBACK;
  }
  removeAll(nodes);
  const onSignal = (signal: NodeJS.Signals): void => {
    close();
    process.kill(process.pid, signal);
  };
  const close = (): void => {
    process.off('exit', close);
    for (const signal of ENDING_SIGNALS) process.off(signal, onSignal);
    removeAll(nodes);
  };
  process.on('exit', close);
  for (const signal of ENDING_SIGNALS) process.once(signal, onSignal);
  try {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', `${SUBNET}.${BRIDGE_HOST}/24`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
    for (let node = 1; node <= nodes; node++) {
      const ns = namespaceOf(node);
      ip('netns', 'add', ns);
      ip('link', 'add', hostEndOf(node), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', hostEndOf(node), 'master', BRIDGE, 'up');
      ip('-n', ns, 'addr', 'add', `${SUBNET}.${node}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    close();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    log(`ip netns failed (${stderr || (error as Error).message}): the nodes run on loopback`);
    return LOOPBACK;
  }
  return { mode: 'netns', aggregatorHost: `${SUBNET}.${BRIDGE_HOST}`, namespace: namespaceOf, close };
}
