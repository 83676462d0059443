import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Literal, ProvDocument, UserError, dateTime, double, int, long, parseProvJson, qname, toProvJson } from '@prov4ml/prov-core';
import type { ProvRecord } from '@prov4ml/prov-core';
import { G1_JSON, G3_JSON, readFixture } from './support/fixtures.js';

function kindCounts(records: readonly ProvRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) counts[record.kind] = (counts[record.kind] ?? 0) + 1;
  return counts;
}

function newDocument(): ProvDocument {
  return new ProvDocument().setDefaultNamespace('http://example.org/').addNamespace('ex', 'http://example.org/ns#');
}

describe('PROV-JSON writer', () => {
  it('writes prefixes with default, typed literals, and formal times as plain xsd:dateTime strings', () => {
    const doc = newDocument();
    doc.entity('e', { 'ex:n': int(3), 'ex:big': long(2 ** 40), 'ex:x': 1.5, 'ex:flag': true, 'ex:s': 'text', 'prov:type': qname('ex:Thing') });
    doc.activity('a', Date.UTC(2024, 0, 2, 3, 4, 5, 6), null, { 'ex:when': dateTime(0) });
    doc.wasGeneratedBy('e', 'a', new Date(Date.UTC(2024, 0, 2)));
    assert.equal(
      toProvJson(doc),
      '{"prefix":{"ex":"http://example.org/ns#","default":"http://example.org/"},' +
        '"entity":{"e":{"ex:n":{"$":"3","type":"xsd:int"},"ex:big":{"$":"1099511627776","type":"xsd:long"},"ex:x":{"$":"1.5","type":"xsd:double"},' +
        '"ex:flag":true,"ex:s":"text","prov:type":{"$":"ex:Thing","type":"prov:QUALIFIED_NAME"}}},' +
        '"activity":{"a":{"prov:startTime":"2024-01-02T03:04:05.006Z","ex:when":{"$":"1970-01-01T00:00:00.000Z","type":"xsd:dateTime"}}},' +
        '"wasGeneratedBy":{"_:id1":{"prov:entity":"e","prov:activity":"a","prov:time":"2024-01-02T00:00:00.000Z"}}}',
    );
  });

  it('writes NaN and ±Infinity as xsd:double lexical forms, never as bare JSON tokens', () => {
    const doc = newDocument().entity('e', { 'ex:a': NaN, 'ex:b': double(Infinity), 'ex:c': -Infinity });
    const json = toProvJson(doc);
    assert.match(json, /"ex:a":\{"\$":"NaN","type":"xsd:double"\},"ex:b":\{"\$":"INF","type":"xsd:double"\},"ex:c":\{"\$":"-INF","type":"xsd:double"\}/);
    assert.doesNotThrow(() => JSON.parse(json));
  });

  it('puts several records under one id in an array, and numbers anonymous relations past explicit blank ids', () => {
    const doc = newDocument().entity('e', { 'ex:v': '1' }).entity('e', { 'ex:v': '2' }).activity('a');
    doc.used('a', 'e', null, {}, '_:id1').used('a', 'e').used('a').used('a', 'e', null, {}, 'u').used('a', null, null, {}, 'u');
    const parsed = JSON.parse(toProvJson(doc)) as { entity: Record<string, unknown>; used: Record<string, unknown> };
    assert.deepEqual(parsed.entity.e, [{ 'ex:v': '1' }, { 'ex:v': '2' }]);
    assert.deepEqual(Object.keys(parsed.used), ['_:id1', '_:id2', '_:id3', 'u']);
    assert.equal((parsed.used.u as unknown[]).length, 2);
  });

  it('writes bundles under "bundle" with their own prefixes; anonymous ids are unique across the document', () => {
    const doc = newDocument().entity('e');
    doc.hadMember('e', 'e');
    doc.bundle('ex:b1').addNamespace('b', 'http://b.example/').entity('b:x').wasDerivedFrom('b:x', 'e');
    const parsed = JSON.parse(toProvJson(doc)) as { bundle: Record<string, { prefix: unknown; wasDerivedFrom: Record<string, unknown> }> };
    assert.deepEqual(parsed.bundle['ex:b1']?.prefix, { b: 'http://b.example/' });
    assert.deepEqual(Object.keys(parsed.bundle['ex:b1']?.wasDerivedFrom ?? {}), ['_:id2']);
  });

  it('refuses names with an undeclared prefix, which python prov could not read', () => {
    assert.throws(() => toProvJson(newDocument().entity('nope:e')), /undeclared prefix nope/);
    assert.throws(() => toProvJson(newDocument().entity('e', { 'nope:k': 'v' })), /undeclared prefix nope/);
    assert.throws(() => toProvJson(new ProvDocument().entity('e')), /no default namespace/);
  });
});

describe('PROV-JSON reader', () => {
  for (const [name, total, counts] of [
    [G1_JSON, 120, { entity: 39, activity: 9, agent: 1, wasAssociatedWith: 1, wasGeneratedBy: 48, wasInformedBy: 2, hadMember: 5, wasStartedBy: 5, used: 10 }],
    [G3_JSON, 56, { agent: 1, activity: 6, wasAssociatedWith: 1, wasInformedBy: 5, entity: 21, used: 4, wasGeneratedBy: 17, wasDerivedFrom: 1 }],
  ] as const) {
    it(`reads the original's ${name} with every record, and write → read → write is byte-stable`, () => {
      const doc = parseProvJson(readFixture(name), name);
      assert.equal(doc.records().length, total);
      assert.deepEqual(kindCounts(doc.records()), counts);
      const written = toProvJson(doc);
      assert.equal(toProvJson(parseProvJson(written)), written);
    });
  }

  it("keeps the original's quirks: string values, xsd_1, prov-ml bound to a non-IRI, arrays under one id", () => {
    const doc = parseProvJson(readFixture(G1_JSON), G1_JSON);
    assert.equal(doc.namespaces().get('xsd_1'), 'http://www.w3.org/2000/10/XMLSchema#');
    assert.equal(doc.namespaces().get('prov-ml'), 'prov-ml');
    assert.equal(doc.defaultNamespace(), 'www.example.org');
    const experiment = doc.records().filter((record) => record.id === 'experiment_name' && record.kind === 'entity');
    assert.deepEqual(experiment.map((record) => record.attributes['prov-ml:type']), ['LearningStage', 'Experiment']);
    const metric = doc.records().find((record) => record.id === 'MSE_train_Context.TRAINING');
    assert.equal(metric?.attributes['prov-ml:metric_epoch_list'], '[0, 0, 0, 1, 1, 1]');
    assert.equal(doc.records().filter((record) => record.id === '_:id26').length, 2);
  });

  it('reads typed literals whose "$" is a JSON number (G3) as literals of that type', () => {
    const doc = parseProvJson(readFixture(G3_JSON), G3_JSON);
    const model = doc.records().find((record) => record.id === 'mnist_model_final');
    assert.deepEqual(model?.attributes.total_params, new Literal('203530', 'xsd:int'));
    assert.deepEqual(model?.attributes.memory_of_model, new Literal('0.81412', 'xsd:double'));
  });

  it("accepts python's bare NaN/Infinity tokens, bare numbers, np.float64 strings, a BOM, and a hadMember list", () => {
    const text = '\ufeff{"prefix":{"default":"urn:x:"},"entity":{"e":{"a":NaN,"b":{"$":-Infinity,"type":"xsd:double"},"c":7,"d":2.5,"e":"[np.float64(1.5), nan]","f":"NaN in a string"},"m":{}},' +
      '"hadMember":{"_:id1":{"prov:collection":"e","prov:entity":["m","e"]}}}';
    const doc = parseProvJson(text, 'quirks.json');
    const attributes = doc.records()[0]?.attributes ?? {};
    assert.equal(attributes.a, 'NaN');
    assert.deepEqual(attributes.b, new Literal('-INF', 'xsd:double'));
    assert.deepEqual(attributes.c, new Literal('7', 'xsd:int'));
    assert.deepEqual(attributes.d, new Literal('2.5', 'xsd:double'));
    assert.equal(attributes.e, '[np.float64(1.5), nan]');
    assert.equal(attributes.f, 'NaN in a string');
    const members = doc.records().filter((record) => record.kind === 'hadMember').map((record) => record.attributes['prov:entity']);
    assert.deepEqual(members, ['m', 'e']);
  });

  for (const [what, text, message] of [
    ['truncated JSON', '{"entity":{"e":', /bad\.json: not valid JSON/],
    ['a JSON array', '[{"entity":{}}]', /bad\.json: expected a JSON object at the top level, got an array/],
    ['an unknown record type', '{"prefix":{"default":"urn:x:"},"entitty":{"e":{}}}', /bad\.json: entitty: unknown record type/],
    ['a relation without its arguments', '{"prefix":{"default":"urn:x:"},"used":{"u1":{}}}', /bad\.json: u1: used is missing its required argument prov:activity/],
    ['an undeclared prefix', '{"prefix":{"default":"urn:x:"},"entity":{"e":{"nope:k":"v"}}}', /bad\.json: e: attribute nope:k: undeclared prefix nope/],
    ['a malformed literal', '{"prefix":{"default":"urn:x:"},"entity":{"e":{"k":{"$":"abc","type":"xsd:int"}}}}', /bad\.json: e: attribute k: malformed literal "abc": not an xsd:int/],
    ['a bad time', '{"prefix":{"default":"urn:x:"},"activity":{"a":{"prov:startTime":"yesterday"}}}', /bad\.json: a: prov:startTime "yesterday" is not an xsd:dateTime/],
  ] as const) {
    it(`rejects ${what} with a UserError naming the source`, () => {
      assert.throws(() => parseProvJson(text, 'bad.json'), (error: unknown) => error instanceof UserError && message.test(error.message) && !error.message.includes('\n'));
    });
  }
});

describe('PROV-JSON reader, python prov output it must survive', () => {
  it('ignores null attribute values (python None) and widens ints python typed xsd:int that do not fit', () => {
    const text = '{"prefix":{"default":"urn:x:"},"entity":{"e":{"gone":null,"some":[null,"kept"],"bytes":{"$":8589934592,"type":"xsd:int"},"huge":{"$":1e21,"type":"xsd:integer"}}}}';
    const attributes = parseProvJson(text).records()[0]?.attributes ?? {};
    assert.equal('gone' in attributes, false);
    assert.deepEqual(attributes.some, ['kept']);
    assert.deepEqual(attributes.bytes, new Literal('8589934592', 'xsd:long'));
    assert.deepEqual(attributes.huge, new Literal('1000000000000000000000', 'xsd:integer'));
  });

  it('keeps a one-value list a list, so write → read → write stays byte-stable', () => {
    const doc = newDocument().entity('e', { 'ex:list': ['only'] });
    const written = toProvJson(doc);
    assert.match(written, /"ex:list":\["only"\]/);
    assert.equal(toProvJson(parseProvJson(written)), written);
  });
});
