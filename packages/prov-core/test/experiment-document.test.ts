import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProvDocument, UserError, buildExperimentDocument, parseProvJson, toProvJson, type RunDocument } from '@prov4ml/prov-core';

/** A rank document as the reader gives it back: its own prefixes, blank ids on its relations. */
function rankDocument(run: string, rank: number, namespace = 'http://www.example.org/'): ProvDocument {
  const doc = new ProvDocument().setDefaultNamespace(namespace).addNamespace('ex', 'http://example.org/ns#');
  doc.entity('exp', { 'ex:rank': String(rank) }).entity(`${run}_GR${rank}`).activity(`${run}_GR${rank}.execution`);
  doc.hadMember('exp', `${run}_GR${rank}`).wasGeneratedBy(`${run}_GR${rank}`, `${run}_GR${rank}.execution`);
  return parseProvJson(toProvJson(doc));
}

function member(run: string, rank: number | null, doc = rankDocument(run, rank ?? 0)): RunDocument {
  return { rank, path: `${run}/prov_exp_GR${rank}.json`, sha256: '0'.repeat(64), sizeBytes: 1, doc };
}

describe('buildExperimentDocument', () => {
  it('makes the runs members of the experiment and each rank document a bundle with its own prefixes and records', () => {
    const doc = buildExperimentDocument('exp', [
      { name: 'exp_0', documents: [member('exp_0', 0), member('exp_0', 1)] },
      { name: 'exp_1', documents: [member('exp_1', 0, rankDocument('exp_1', 0, 'http://other.example/'))] },
    ]);
    assert.equal(doc.defaultNamespace(), 'http://www.example.org/', "the first document's namespace: the experiment is the one the documents name");
    assert.deepEqual([...doc.bundles().keys()], ['exp_0.document.GR0', 'exp_0.document.GR1', 'exp_1.document.GR0']);
    const members = doc.records().filter((r) => r.kind === 'hadMember').map((r) => `${String(r.attributes['prov:collection'])}>${String(r.attributes['prov:entity'])}`);
    assert.deepEqual(members, ['exp>exp_0', 'exp_0>exp_0.document.GR0', 'exp_0>exp_0.document.GR1', 'exp>exp_1', 'exp_1>exp_1.document.GR0']);
    const last = doc.bundle('exp_1.document.GR0');
    assert.equal(last.defaultNamespace(), 'http://other.example/');
    assert.equal(last.namespaceUri('ex'), 'http://example.org/ns#');
    assert.deepEqual(last.records().map((r) => [r.kind, r.id]), [
      ['entity', 'exp'], ['entity', 'exp_1_GR0'], ['activity', 'exp_1_GR0.execution'], ['hadMember', null], ['wasGeneratedBy', null],
    ]);
  });

  it('numbers the blank ids of all bundles once, so no two relations share one', () => {
    const json = JSON.parse(toProvJson(buildExperimentDocument('exp', [{ name: 'exp_0', documents: [member('exp_0', 0), member('exp_0', 1)] }]))) as {
      hadMember: object;
      bundle: Record<string, { hadMember: object; wasGeneratedBy: object }>;
    };
    const ids = [json.hadMember, ...Object.values(json.bundle).flatMap((b) => [b.hadMember, b.wasGeneratedBy])].flatMap((records) => Object.keys(records));
    assert.equal(ids.length, 3 + 4);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('refuses two documents of one run for the same rank, and a document with bundles of its own', () => {
    assert.throws(() => buildExperimentDocument('exp', [{ name: 'exp_0', documents: [member('exp_0', 0), member('exp_0', 0)] }]), UserError);
    const nested = rankDocument('exp_0', 0);
    nested.bundle('inner').entity('x');
    assert.throws(() => buildExperimentDocument('exp', [{ name: 'exp_0', documents: [member('exp_0', 0, nested)] }]), /has bundles of its own/);
  });
});
