/** The node record: what a node of the job is (see records.ts for the envelope it travels in). */

/** One GPU of a node, as `nvidia-smi` describes it. */
export interface NodeGpu {
  index: number;
  model: string;
  uuid: string | null;
  memoryMiB: number | null;
  driver: string | null;
}

/** One network interface of a node. */
export interface NodeInterface {
  name: string;
  /** IPv4 and IPv6 addresses without prefix length. */
  addresses: string[];
  mac: string | null;
  /** Link speed in Mbit/s; null when the kernel does not say (loopback, virtual links). */
  speedMbps: number | null;
}

/**
 * What a node is (hardware and system), sent once per node by its local rank 0's agent; every rank of
 * the node names it in its run start (`nodeName`).
 */
export interface NodeRecord {
  kind: 'node';
  time: number;
  /** The node's name in the job (its Slurm node name, else the host name): one node record per name. */
  nodeName: string;
  hostname: string;
  cpuModel: string;
  cpuSockets: number;
  /** Physical cores, all sockets together. */
  cpuCores: number;
  /** Hardware threads (logical CPUs). */
  cpuThreads: number;
  memoryBytes: number;
  gpus: NodeGpu[];
  /** e.g. 'Debian GNU/Linux 12 (bookworm)'. */
  os: string;
  kernel: string;
  arch: string;
  interfaces: NodeInterface[];
}
