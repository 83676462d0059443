/**
 * A node of the job as a PROV agent of type `prov-ml:Node`, with what its node record says (CPU,
 * memory, GPUs, OS, network interfaces). An agent, associated with each run it executed
 * (`wasAssociatedWith`), rather than an entity or a `prov:atLocation`: the node carries out the run
 * (PROV-DM: an agent "bears some form of responsibility for an activity taking place", as the user who
 * started it does), while `prov:location` is an attribute, not a relation, so graphs and queries over
 * relations would not see it.
 */
import { int, long, qname } from '../prov/literal.js';
import type { Attributes, ProvBundle } from '../prov/model.js';
import type { NodeRecord, RunStartRecord } from '../wire/records.js';
import { localName } from './local-name.js';
import type { RankSummary } from './rank-summary.js';

/** A node of the job, once, with the ranks that ran on it. */
export interface JobNode {
  node: NodeRecord;
  ranks: readonly number[];
}

/**
 * The job's nodes from its ranks' summaries (each node's record came from its local rank 0), and the
 * summaries with each rank given its node's record, so every rank's document describes its node.
 */
export function jobNodes<S extends RankSummary>(summaries: readonly S[]): { nodes: JobNode[]; summaries: S[] } {
  const records = new Map<string, NodeRecord>();
  for (const summary of summaries) if (summary.node) records.set(summary.node.nodeName, summary.node);
  const ranks = new Map<string, number[]>();
  const given = summaries.map((summary) => {
    const node = nodeRecordOf(summary.runStart, records);
    if (node === undefined) return summary;
    ranks.set(node.nodeName, [...(ranks.get(node.nodeName) ?? []), summary.rank]);
    return { ...summary, node };
  });
  return { nodes: [...records.values()].map((node) => ({ node, ranks: ranks.get(node.nodeName) ?? [] })), summaries: given };
}

/** The record of the node a rank ran on (by its run start's node name), from the records known by name. */
export function nodeRecordOf(start: RunStartRecord | null, records: ReadonlyMap<string, NodeRecord>): NodeRecord | undefined {
  return start === null ? undefined : records.get(nodeNameOf(start));
}

/** The agent id of a node: one per node name, the same in every rank document and in the collection. */
export function nodeAgentId(nodeName: string): string {
  return `node_${localName(nodeName)}`;
}

/** The node a rank ran on: its run start's node name, else (older agents) its host name. */
export function nodeNameOf(start: RunStartRecord): string {
  return start.nodeName ?? start.hostname;
}

/** Declares the node's agent: every fact when the record is known, else only its name. */
export function addNodeAgent(bundle: ProvBundle, node: NodeRecord | Pick<NodeRecord, 'nodeName'>): void {
  const attributes: Attributes = {
    'prov:type': qname('prov-ml:Node'),
    'prov-ml:type': 'Node',
    'prov:label': node.nodeName,
    'prov-ml:node_name': node.nodeName,
  };
  if ('kind' in node) Object.assign(attributes, nodeFacts(node));
  bundle.agent(nodeAgentId(node.nodeName), attributes);
}

function nodeFacts(node: NodeRecord): Attributes {
  const facts: Attributes = {
    'prov-ml:hostname': node.hostname,
    'prov-ml:cpu_model': node.cpuModel,
    'prov-ml:cpu_sockets': int(node.cpuSockets),
    'prov-ml:cpu_cores': int(node.cpuCores),
    'prov-ml:cpu_threads': int(node.cpuThreads),
    'prov-ml:memory_total_bytes': long(node.memoryBytes),
    'prov-ml:os': node.os,
    'prov-ml:kernel': node.kernel,
    'prov-ml:arch': node.arch,
    'prov-ml:gpu_count': int(node.gpus.length),
  };
  for (const gpu of node.gpus) {
    const at = `prov-ml:gpu${gpu.index}_`;
    facts[`${at}model`] = gpu.model;
    if (gpu.uuid !== null) facts[`${at}uuid`] = gpu.uuid;
    if (gpu.memoryMiB !== null) facts[`${at}memory_mib`] = long(gpu.memoryMiB);
    if (gpu.driver !== null) facts[`${at}driver`] = gpu.driver;
  }
  for (const net of node.interfaces) {
    const at = `prov-ml:net_${localName(net.name)}_`;
    facts[`${at}addresses`] = net.addresses.join(' ');
    if (net.mac !== null) facts[`${at}mac`] = net.mac;
    if (net.speedMbps !== null) facts[`${at}speed_mbps`] = long(net.speedMbps);
  }
  return facts;
}
