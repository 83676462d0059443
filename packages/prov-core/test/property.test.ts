import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProvJson, toDot, toProvJson, validateProvJson } from '@prov4ml/prov-core';
import type { ProvDocument } from '@prov4ml/prov-core';
import { needs } from '../../../test/support/components.js';
import { DocumentGenerator } from './support/random-documents.js';
import { graphvizAvailable, graphvizErrors, pythonProvAvailable, pythonProvErrors } from './support/interop.js';
import { G1_JSON, G3_JSON, readFixture } from './support/fixtures.js';

const DOCUMENTS = 300;

function recordCounts(doc: ProvDocument): number[] {
  return [doc.records().length, ...[...doc.bundles().values()].map((bundle) => bundle.records().length)];
}

describe('random documents', () => {
  let directory: string;
  const jsonPaths: string[] = [];
  const dotPaths: string[] = [];

  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'prov4ml-property-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('write → read → write is byte-stable and keeps every record; the validator finds no error', () => {
    for (let seed = 1; seed <= DOCUMENTS; seed++) {
      const doc = new DocumentGenerator(seed).document();
      const written = toProvJson(doc);
      const reread = parseProvJson(written, `seed ${seed}`);
      assert.equal(toProvJson(reread), written, `seed ${seed}: second write differs`);
      assert.deepEqual(recordCounts(reread), recordCounts(doc), `seed ${seed}: record counts`);
      assert.deepEqual(validateProvJson(written, `seed ${seed}`).errors, [], `seed ${seed}: validation errors`);
      const path = join(directory, `doc-${seed}.json`);
      writeFileSync(path, written);
      jsonPaths.push(path);
      const dotPath = join(directory, `doc-${seed}.dot`);
      writeFileSync(dotPath, toDot(doc));
      dotPaths.push(dotPath);
    }
    assert.equal(jsonPaths.length, DOCUMENTS);
  });

  it("rewrites the original's G1 and G3 files into documents for the same checks", () => {
    for (const name of [G1_JSON, G3_JSON]) {
      const doc = parseProvJson(readFixture(name), name);
      const jsonPath = join(directory, `rewritten-${name}`);
      writeFileSync(jsonPath, toProvJson(doc));
      jsonPaths.push(jsonPath);
      const dotPath = join(directory, `rewritten-${name}.dot`);
      writeFileSync(dotPath, toDot(doc));
      dotPaths.push(dotPath);
    }
  });

  it('python prov reads every written document and serialises it to PROV-N', needs('python3-prov', pythonProvAvailable), async () => {
    assert.equal(jsonPaths.length, DOCUMENTS + 2, 'the write tests ran first');
    assert.deepEqual(await pythonProvErrors(jsonPaths), []);
  });

  it('Graphviz dot renders the DOT of every document', needs('graphviz', graphvizAvailable), () => {
    assert.equal(dotPaths.length, DOCUMENTS + 2, 'the write tests ran first');
    assert.equal(graphvizErrors(dotPaths), '');
  });
});
