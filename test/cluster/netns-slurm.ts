// The cluster of real hosts the cross-host tests run on: a second Slurm (ClusterName=nscluster) whose
// nodes are network namespaces on one bridge, started once through slurm/start-netns-cluster.sh and
// left running (`.ci/run` stops it after `npm test`). Its names and addresses are those of
// slurm/netns-layout.sh. Jobs reach it through SLURM_CONF; the emulated cluster stays the default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandWorks } from '../support/components.js';
import { REPO_ROOT, runCommand } from '../support/run-dir.js';
import { startCommand, type Running } from '../faults/support.js';
import { clusterEnv } from './launch.js';
import { slurmInstalled } from './local-slurm.js';

const BASE = process.env.SLURM_NETNS_BASE ?? '/var/lib/slurm-netns';
/** The namespace cluster's config: every srun, sbatch and scontrol for it names this file. */
export const NETNS_SLURM_CONF = join(BASE, 'etc/slurm.conf');

/** Its nodes, each a network namespace of the same name; slurm/netns-layout.sh. */
export const NETNS_NODES = ['nsnode01', 'nsnode02', 'nsnode03', 'nsnode04'] as const;
export type NetnsNode = (typeof NETNS_NODES)[number];

/** A node's address on the bridge (its name resolves to it on every node: /etc/hosts). */
export function nodeAddress(node: NetnsNode): string {
  return `10.77.0.${10 + NETNS_NODES.indexOf(node) + 1}`;
}

/** The veth end on the bridge: down, the node is cut off from every other node and from this host. */
function outerLink(node: NetnsNode): string {
  return `p4mlv${node.slice(-2)}`;
}

/** Root, Slurm, `ip netns` and nsenter: what the start script needs. */
export const netnsSlurmAvailable = slurmInstalled && commandWorks('ip', ['netns', 'list']) && commandWorks('nsenter', ['--version']);

let started: Promise<void> | undefined;

/** Brings up the namespace cluster (idempotent: ~0.5 s when it runs, ~3.5 s from nothing). */
export function startNetnsSlurm(): Promise<void> {
  started ??= (async () => {
    const result = await runCommand(join(REPO_ROOT, 'slurm/start-netns-cluster.sh'), [], { timeoutMs: 300_000 });
    if (result.code !== 0) throw new Error(`start-netns-cluster.sh exited ${result.code}:\n${result.stdout}${result.stderr}`);
  })();
  return started;
}

/** A cluster test's environment (launch.ts's clusterEnv) pointed at the namespace cluster. */
export function netnsEnv(saveDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...clusterEnv(saveDir, extra), SLURM_CONF: NETNS_SLURM_CONF };
}

/**
 * `srun` on the namespace cluster, not waited for (a fault is injected while it runs). `-Q`: no
 * "queued" chatter; `--time`: Slurm ends a hung step before the test's own timeout.
 */
export function startSrun(srunOptions: string[], command: string[], env: NodeJS.ProcessEnv): Running {
  return startCommand('srun', ['-Q', '--time=10', ...srunOptions, ...command], env);
}

/** A command run inside a node's network namespace, as a process of that node (e.g. a stand-alone aggregator). */
export function startOnNode(node: NetnsNode, command: string[], env: NodeJS.ProcessEnv): Running {
  // nsenter execs the command: the child's pid is the command's, so a signal to it reaches the command.
  return startCommand('nsenter', [`--net=/run/netns/${node}`, ...command], env);
}

/** Takes a node's link down (a partition: its packets go nowhere, no connection is refused) or up again. */
export async function setLink(node: NetnsNode, state: 'up' | 'down'): Promise<void> {
  const result = await runCommand('ip', ['link', 'set', outerLink(node), state]);
  if (result.code !== 0) throw new Error(`ip link set ${outerLink(node)} ${state}: ${result.stderr}`);
}

/** Every node's link up (after a test that may have failed with one down). */
export async function allLinksUp(): Promise<void> {
  for (const node of NETNS_NODES) await setLink(node, 'up');
}

/** Job ids of the namespace cluster's jobs still known to slurmctld (for a test's diagnostics). */
export async function netnsJobs(): Promise<string> {
  const result = await runCommand('squeue', ['-h', '-o', '%i %T %N'], { env: { ...process.env, SLURM_CONF: NETNS_SLURM_CONF } });
  return result.stdout.trim();
}

/** A process of a node's namespace whose /proc/PID/net shows that namespace's sockets; throws when the node runs none. */
async function processOn(node: NetnsNode): Promise<string> {
  const pid = (await runCommand('ip', ['netns', 'pids', node])).stdout.split('\n').find((line) => line.trim() !== '');
  if (pid === undefined) throw new Error(`no process runs in ${node}'s namespace`);
  return pid.trim();
}

/**
 * Established TCP connections in a node's namespace whose local port is `port`: at an aggregator's data
 * port, one per peer (a relay or a rank going directly), which is how a test sees relays at work.
 */
export async function establishedOn(node: NetnsNode, port: number): Promise<number> {
  const pid = await processOn(node);
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '01' && local !== undefined && parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) count++;
    }
  }
  return count;
}

/** The `prov4ml run` wrapper of local rank `localRank` on a node (on local rank 0, the node's relay), with its global rank. */
export async function wrapperOn(node: NetnsNode, localRank: number): Promise<{ pid: number; rank: number }> {
  for (const pid of (await runCommand('ip', ['netns', 'pids', node])).stdout.split('\n').filter(Boolean)) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.endsWith('prov4ml.js'))) continue;
      const env = new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
      if (env.get('SLURM_LOCALID') === String(localRank)) return { pid: Number(pid), rank: Number(env.get('SLURM_PROCID')) };
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error(`no prov4ml run wrapper of local rank ${localRank} on ${node}`);
}
