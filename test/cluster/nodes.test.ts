// What each node is, on the real Slurm: a job of 2 ranks on each of the 2 emulated nodes, each rank
// wrapped by `prov4ml run`. Both nodes share this host, so both describe the same hardware (checked
// against /proc/cpuinfo, /proc/meminfo and uname) under different node names: one prov-ml:Node agent
// per node name in the collection, and every rank's run associated with its own node.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { COLLECTION_FILE } from '@prov4ml/prov-core';
import { needs } from '../support/components.js';
import { hostFacts } from '../support/host-facts.js';
import { RANK_PROGRAM_COMMAND } from './launch.js';
import { EMULATED_NODES, slurmInstalled, srun, startLocalSlurm } from './local-slurm.js';
import { onlyRunDirOf } from './rank-documents.js';

type Literal = { $: string; type: string };
type Attributes = Record<string, Literal | string | boolean>;
interface ProvJson {
  agent?: Record<string, Attributes>;
  wasAssociatedWith?: Record<string, Record<string, string>>;
}

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ProvJson;
const nodeAgents = (doc: ProvJson) => Object.entries(doc.agent ?? {}).filter(([, attributes]) => attributes['prov-ml:type'] === 'Node');
const value = (attribute: Literal | string | boolean | undefined) => (typeof attribute === 'object' ? attribute.$ : attribute);

describe('Slurm: what each node is', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);

  test('srun -N 2 --ntasks-per-node=2: one node agent per node name, facts equal /proc and uname, each run linked to its node', async () => {
    const experiment = 'nodes';
    const step = await srun({
      srunOptions: ['-N', '2', '--ntasks-per-node=2'],
      command: ['prov4ml', 'run', '--', ...RANK_PROGRAM_COMMAND],
      env: { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID' },
    });
    assert.equal(step.code, 0, step.stderr);
    const runDir = onlyRunDirOf(step.saveDir, experiment);
    const collection = read(join(runDir, COLLECTION_FILE));
    const agents = nodeAgents(collection);
    assert.deepEqual(agents.map(([, attributes]) => attributes['prov-ml:node_name']).sort(), [...EMULATED_NODES]);
    const host = hostFacts();
    for (const [id, attributes] of agents) {
      const recorded = {
        cpuModel: value(attributes['prov-ml:cpu_model']),
        cpuThreads: Number(value(attributes['prov-ml:cpu_threads'])),
        cpuSockets: Number(value(attributes['prov-ml:cpu_sockets'])),
        cpuCores: Number(value(attributes['prov-ml:cpu_cores'])),
        memoryBytes: Number(value(attributes['prov-ml:memory_total_bytes'])),
        kernel: value(attributes['prov-ml:kernel']),
        arch: value(attributes['prov-ml:arch']),
      };
      assert.deepEqual(recorded, host, id);
      assert.equal(value(attributes['prov-ml:net_lo_addresses']), '127.0.0.1 ::1', id);
    }
    // Ranks fill the nodes in order, two each: ranks 0-1 on node01, 2-3 on node02.
    const nodeOf = (rank: number) => `node_${EMULATED_NODES[Math.floor(rank / 2)]}`;
    const links = Object.values(collection.wasAssociatedWith ?? {}).map((relation) => `${relation['prov:activity']} ${relation['prov:agent']}`);
    const runName = runDir.split('/').pop()!;
    assert.deepEqual(links.sort(), [0, 1, 2, 3].map((rank) => `${runName}_GR${rank}.execution ${nodeOf(rank)}`));
    for (const rank of [0, 1, 2, 3]) {
      const document = read(join(runDir, `prov_${experiment}_GR${rank}.json`));
      const [[id, attributes]] = nodeAgents(document) as [[string, Attributes]];
      assert.equal(id, nodeOf(rank), `rank ${rank}`);
      assert.equal(value(attributes['prov-ml:cpu_model']), host.cpuModel, `rank ${rank}'s node described in full`);
      const associated = Object.values(document.wasAssociatedWith ?? {}).map((relation) => relation['prov:agent']);
      assert.ok(associated.includes(nodeOf(rank)), `rank ${rank}'s run is associated with its node`);
    }
  });
});
