/**
 * ProvenanceTrackedModel with a real agent: the activations of a model's Linear layers, written by the
 * client as a Zarr v2 store in a scratch directory, logged as a directory artifact of the run, and
 * read back with the `zarr` package (python3-zarr) to the last float16 bit.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { pythonProvErrors } from '../../../test/support/run-dir.js';
import { run, runOwnAgentProgram } from './python-harness.js';
import { attributes, RankRun } from './rank-run.js';

const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const readable = pythonAvailable && pythonModuleAvailable('torch') && pythonModuleAvailable('zarr');

const directory = mkdtempSync(join(tmpdir(), 'prov4ml-tracked-model-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `script` with Debian's python3 in a fresh directory, its TMPDIR a folder of its own (`tmp`). */
async function runScript(name: string, script: string) {
  const cwd = mkdtempSync(join(directory, `${name}-`));
  const scratch = join(cwd, 'tmp');
  mkdirSync(scratch);
  return { ...(await runOwnAgentProgram(cwd, script, [], { TMPDIR: scratch })), cwd, scratch };
}

/** The client's scratch directories of tracked models left in `tmp` (the agent keeps a folder of its own there). */
function scratchStores(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('prov4ml-activations-'));
}

function lastJsonLine<T>(output: string): T {
  return JSON.parse(output.trim().split('\n').at(-1)!) as T;
}

/** float16 arrays as [shape, dtype, bit patterns (uint16) of every element in C order]. */
type Bits = [number[], string, number[]];

/**
 * Linear(4,3) → ReLU → Linear(3,2) of fixed weights, wrapped with chunks of 4 rows; batches of 5, 5 and
 * 3 rows (13: the last chunk of every array is partial). The expected activations are computed before
 * wrapping (calling the layers afterwards would record them too), batch by batch as the forwards will
 * be (a matrix product of other rows could differ in the last bits), and printed as float16 bits.
 */
const TRACKED = [
  'import glob, json, os, tempfile, numpy as np, torch, prov4ml',
  'from prov4ml._tracked_model import ProvenanceTrackedModel',
  'def bits(tensor):',
  '    array = tensor.detach().numpy().astype(np.float16)',
  '    return [list(array.shape), str(array.dtype), array.view(np.uint16).ravel().tolist()]',
  'torch.manual_seed(7)',
  'net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))',
  'batches = torch.linspace(-3, 3, 13 * 4).reshape(13, 4).split([5, 5, 3])',
  'first = [net[0](batch) for batch in batches]',
  'hidden = [net[1](batch) for batch in first]',
  'outputs = [net[2](batch) for batch in hidden]',
  'expected = {"0": {"input": bits(torch.cat(batches)), "output": bits(torch.cat(first))},',
  '            "2": {"input": bits(torch.cat(hidden)), "output": bits(torch.cat(outputs))}}',
  'prov4ml.start_run(prov_user_namespace="www.example.org", experiment_name="tracked_model", provenance_save_dir="prov")',
  'tracked = ProvenanceTrackedModel("net", net, chunk_size=4)',
  'for batch, output in zip(batches, outputs):',
  '    assert torch.equal(tracked(batch), output)',
  'during = sorted(os.path.relpath(path, tempfile.gettempdir()) for path in glob.glob(os.path.join(tempfile.gettempdir(), "*", "net.zarr", "*", "*", "*")))',
  'tracked.close()',
  'tracked.close()',
  'prov4ml.end_run()',
  'print(json.dumps({"module": isinstance(tracked, torch.nn.Module), "hooks": [len(m._forward_hooks) for m in net], "during": during, "expected": expected}))',
].join('\n');

/** Reads the copied store with python3-zarr: every array of every group as Bits. */
const READ = [
  'import json, sys, zarr, numpy as np',
  'store = zarr.open(sys.argv[1], mode="r")',
  'print(json.dumps({layer: {part: [list(a.shape), str(a.dtype), a[:].view(np.uint16).ravel().tolist()] for part, a in group.arrays()} for layer, group in store.groups()}))',
].join('\n');

describe('ProvenanceTrackedModel', needs('Debian python3 with torch and zarr', readable), () => {
  it('logs the Linear layers\' inputs and outputs as a float16 Zarr v2 store, copied into the run, its scratch store removed', async () => {
    const result = await runScript('tracked', TRACKED);
    assert.equal(result.code, 0, result.output);
    const out = lastJsonLine<{ module: boolean; hooks: number[]; during: string[]; expected: Record<string, Record<string, Bits>> }>(result.output);
    assert.equal(out.module, true, 'an instance is a torch.nn.Module');
    assert.deepEqual(out.hooks, [0, 0, 0], 'close() removed the hooks');
    assert.doesNotMatch(result.output, /Prov4mlWarning/);

    // While training, full chunks were already on disk in the scratch directory: 3 of 4 rows per array (12 of 13 rows).
    const layers = ['0', '2'];
    const parts = ['input', 'output'];
    const chunks = ['0.0', '1.0', '2.0'];
      assert.ok(out.during.every((path) => path.startsWith('prov4ml-activations-')), out.during.join(', '));
    assert.deepEqual(out.during.map((path) => path.split('/').slice(1).join('/')).sort(),
      layers.flatMap((layer) => parts.flatMap((part) => chunks.map((chunk) => `net.zarr/${layer}/${part}/${chunk}`))).sort());
    assert.deepEqual(scratchStores(result.scratch), [], 'the scratch store is removed');
    assert.equal(existsSync(join(result.cwd, 'net.zarr')), false, 'nothing is written in the working directory');

    const runDir = join(result.cwd, 'prov', 'tracked_model_0');
    const document = new RankRun(runDir, 'tracked_model', 0);
    const artifacts = document.entities('Artifact').filter((entity) => entity['prov:label'] === 'net.zarr');
    assert.equal(artifacts.length, 1);
    assert.deepEqual(attributes(artifacts[0], ['artifact_path', 'original_path', 'is_directory', 'role', 'context', 'is_input']), {
      artifact_path: 'artifacts/GR0/net.zarr', original_path: undefined, is_directory: true, role: 'artifact', context: 'TRAINING', is_input: false,
    });
    assert.deepEqual(document.entities('OriginalArtifact'), [], 'a scratch copy has no original');
    assert.deepEqual(await pythonProvErrors([document.documentPath]), []);

    const read = await run(DEBIAN_PYTHON, ['-c', READ, join(runDir, 'artifacts', 'GR0', 'net.zarr')], { cwd: result.cwd, env: process.env });
    assert.equal(read.code, 0, read.output);
    const stored = lastJsonLine<Record<string, Record<string, Bits>>>(read.output);
    assert.deepEqual(Object.keys(stored).sort(), layers, 'one group for each Linear layer, none for the ReLU');
    const shapes = { '0': { input: [13, 4], output: [13, 3] }, '2': { input: [13, 3], output: [13, 2] } } as const;
    for (const layer of layers) {
      for (const part of parts) {
        const [shape, dtype, bits] = stored[layer]![part]!;
        assert.deepEqual([shape, dtype], [shapes[layer as '0' | '2'][part as 'input' | 'output'], 'float16'], `${layer}/${part}`);
        assert.deepEqual(bits, out.expected[layer]![part]![2], `${layer}/${part}: every value is the float16 of the layer's own`);
      }
    }
  });

  it('end_run logs the models still open; one closed with no run active is one warning, and every scratch store is removed', async () => {
    const script = [
      'import torch, prov4ml',
      'prov4ml.start_run(prov_user_namespace="www.example.org", experiment_name="late", provenance_save_dir="prov")',
      'nets = [prov4ml.ProvenanceTrackedModel("net%d" % i, torch.nn.Linear(2, 2)) for i in range(2)]',
      'for net in nets:',
      '    net(torch.ones(3, 2))',
      'prov4ml.end_run()',
      'for net in nets:',
      '    net.close()',
      'late = prov4ml.ProvenanceTrackedModel("after", torch.nn.Linear(2, 2))',
      'late(torch.ones(1, 2))',
      'late.close()',
    ].join('\n');
    const result = await runScript('late', script);
    assert.equal(result.code, 0, result.output);
    const warnings = result.output.split('\n').filter((line) => line.includes('Prov4mlWarning'));
    assert.equal(warnings.length, 1, result.output);
    assert.match(warnings[0]!, /no run is active when 'after' closes .*its activations are not recorded/);
    assert.deepEqual(scratchStores(result.scratch), []);
    const document = new RankRun(join(result.cwd, 'prov', 'late_0'), 'late', 0);
    assert.deepEqual(document.entities('Artifact').map((entity) => entity['prov:label']).sort(), ['net0.zarr', 'net1.zarr']);
  });
});
