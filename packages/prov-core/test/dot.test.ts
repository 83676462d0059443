import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvDocument, UserError, dotToSvg, provJsonToDot, qname, toDot } from '@prov4ml/prov-core';
import { needs } from '../../../test/support/components.js';
import { G1_JSON, G3_JSON, readFixture } from './support/fixtures.js';
import { graphvizAvailable, graphvizErrors } from './support/interop.js';

function statements(dot: string, pattern: RegExp): string[] {
  return dot.split('\n').filter((line) => pattern.test(line));
}

/** Ids and values that break naive DOT or HTML escaping. */
const HOSTILE = ['say "hi"', 'ends with \\', 'a<b>&c', 'two\nlines', 'tab\tand\u0001control', 'node', '中文 🙂', ']]> </TD>', "it's", '\ud800 lone surrogate'];

function hostileDocument(): ProvDocument {
  const doc = new ProvDocument().setDefaultNamespace('http://example.org/"quoted"#').addNamespace('ex', 'http://example.org/ns#');
  HOSTILE.forEach((text, index) => {
    doc.entity(`e${index}${text}`, { 'ex:value': text, 'prov:label': text, 'prov:type': qname('ex:Thing') });
    doc.activity(`a${index}${text}`, 0, 1000, { 'ex:value': text });
    doc.wasGeneratedBy(`e${index}${text}`, `a${index}${text}`, 500, { 'ex:note': text });
  });
  doc.bundle('ex:b "1"').entity('inner "x"', { 'ex:value': 'bundled' });
  return doc;
}

describe('toDot', () => {
  const directory = mkdtempSync(join(tmpdir(), 'prov4ml-dot-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('styles elements like the original: yellow entity ovals, blue activity boxes, orange agent houses, bottom to top', () => {
    const doc = new ProvDocument().setDefaultNamespace('http://example.org/');
    doc.entity('e').activity('a').agent('u').wasGeneratedBy('e', 'a').wasAssociatedWith('a', 'u').used('a', 'ghost');
    const dot = toDot(doc);
    assert.match(dot, /^digraph G \{\nrankdir=BT;\ncharset="utf-8";\n/);
    assert.match(dot, /\nn1 \[label="e", URL="http:\/\/example.org\/e", shape=oval, style=filled, fillcolor="#FFFC87", color="#808080"\];/);
    assert.match(dot, /\nn2 \[label="a", URL="http:\/\/example.org\/a", shape=box, style=filled, fillcolor="#9FB1FC", color="#0000FF"\];/);
    assert.match(dot, /\nn3 \[label="u", URL="http:\/\/example.org\/u", shape=house, style=filled, fillcolor="#FED37F"\];/);
    assert.match(dot, /\nn1 -> n2 \[label="wasGeneratedBy", fontsize=10.0, color=darkgreen, fontcolor=darkgreen\];/);
    // wasAssociatedWith has a plan slot, so it is drawn through a point node
    assert.match(dot, /\nb1 \[label="", shape=point, color=gray\];\nn2 -> b1 \[arrowhead=none, label="wasAssociatedWith", fontsize=10.0, color="#FED37F"\];\nb1 -> n3 \[fontsize=10.0, color="#FED37F"\];/);
    // a reference to an undeclared element becomes a grey node of the kind the relation implies
    assert.match(dot, /\nn4 \[label="ghost", URL="http:\/\/example.org\/ghost", shape=oval, style=filled, fillcolor=lightgray, color=dimgray\];\nn2 -> n4 \[label="used"/);
  });

  const drawnByPythonProv: readonly (readonly [string, string])[] = [[G1_JSON, 'g1_provgraph_experiment_name.dot'], [G3_JSON, 'g3_prov_mnist_exp_GR0_0.prov_to_dot.dot']];
  for (const [json, theirsName] of drawnByPythonProv) {
    it(`draws the same nodes, point nodes, notes and edges as python prov's prov_to_dot did for ${json}`, () => {
      const ours = provJsonToDot(readFixture(json));
      const theirs = readFixture(theirsName);
      for (const pattern of [/^n\d+ \[/, /^b\d+ \[/, /^ann\d+ \[/, / -> /]) {
        assert.equal(statements(ours, pattern).length, statements(theirs, pattern).length, String(pattern));
      }
      const shapes = (dot: string): string[] => statements(dot, /^n\d+ \[/).map((line) => /shape=(\w+)/.exec(line)?.[1] ?? '').sort();
      assert.deepEqual(shapes(ours), shapes(theirs));
    });
  }

  it('cuts attribute values longer than maxValueLength and ends them with "..."', () => {
    const doc = new ProvDocument().setDefaultNamespace('http://example.org/').entity('e', { long: 'x'.repeat(150), short: 'y'.repeat(100) });
    const dot = toDot(doc);
    assert.ok(dot.includes(`>${'x'.repeat(100)}...</TD>`));
    assert.ok(dot.includes(`>${'y'.repeat(100)}</TD>`));
    assert.ok(toDot(doc, { maxValueLength: 10 }).includes(`>${'x'.repeat(10)}...</TD>`));
    assert.throws(() => toDot(doc, { maxValueLength: 0 }), TypeError);
  });

  it('escapes ids for DOT strings and values for HTML labels', () => {
    const dot = toDot(hostileDocument());
    assert.ok(dot.includes('label="e0say \\"hi\\""'));
    assert.ok(dot.includes('label="e1ends with \\\\"'));
    assert.ok(dot.includes('>a&#60;b&#62;&#38;c</TD>'));
    assert.ok(dot.includes('>two<BR ALIGN="LEFT"/>lines</TD>'));
    assert.ok(!dot.includes('\u0001'));
  });

  it('Graphviz dot accepts DOT with hostile ids and values', needs('graphviz', graphvizAvailable), () => {
    const path = join(directory, 'hostile.dot');
    writeFileSync(path, toDot(hostileDocument()));
    assert.equal(graphvizErrors([path]), '');
  });
});

describe('dotToSvg (Graphviz in WebAssembly)', () => {
  for (const name of [G1_JSON, G3_JSON]) {
    it(`renders the original's ${name} with one SVG node per DOT node`, async () => {
      const dot = provJsonToDot(readFixture(name), { source: name });
      const svg = await dotToSvg(dot, name);
      assert.match(svg, /<svg[\s>]/);
      const dotNodes = statements(dot, /^(n|b|ann)\d+ \[/).length;
      assert.ok(dotNodes > 20);
      assert.equal((svg.match(/<g id="node\d+" class="node">/g) ?? []).length, dotNodes);
    });
  }

  it('renders hostile labels, and rejects broken DOT with a UserError naming the source', async () => {
    assert.match(await dotToSvg(toDot(hostileDocument())), /<svg[\s>]/);
    await assert.rejects(dotToSvg('digraph { a -> }', 'broken.dot'), (error: unknown) => error instanceof UserError && /^broken\.dot: Graphviz cannot render it: .*syntax error/.test(error.message));
  });
});
