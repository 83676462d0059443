import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Literal, MAX_ATTRIBUTE_VALUE_CHARS, ProvDocument, dateTime, double, int, long, qname } from '@prov4ml/prov-core';

describe('literals', () => {
  it('int() takes 32-bit integers only; long() safe integers', () => {
    assert.equal(int(-(2 ** 31)).value, '-2147483648');
    assert.throws(() => int(2 ** 31), /int\(n\).*use long\(\)/);
    assert.throws(() => int(1.5), TypeError);
    assert.equal(long(2 ** 53 - 1).datatype, 'xsd:long');
    assert.throws(() => long(2 ** 53), /long\(n\)/);
  });

  it('double() keeps NaN and ±Infinity as xsd:double lexical forms', () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 0.1].map((n) => double(n).value), ['NaN', 'INF', '-INF', '0.1']);
  });

  it('dateTime() writes ISO-8601 in UTC and rejects invalid dates', () => {
    assert.equal(dateTime(Date.UTC(2025, 5, 1, 12)).value, '2025-06-01T12:00:00.000Z');
    assert.throws(() => dateTime(new Date('nonsense')), /msOrDate/);
  });

  it('a Literal outside its xsd type is a TypeError', () => {
    assert.throws(() => new Literal('abc', 'xsd:int'), /not an xsd:int/);
    assert.throws(() => new Literal('1', 'xsd:byte', 'not a tag!'), /lang/);
    assert.equal(new Literal('300', 'xsd:integer').value, '300');
    assert.equal(qname('prov:Collection').datatype, 'prov:QUALIFIED_NAME');
  });
});

describe('ProvBundle', () => {
  it('stores formal arguments under their PROV-JSON keys in PROV-DM order, then the attributes', () => {
    const doc = new ProvDocument().setDefaultNamespace('urn:x:');
    doc.wasDerivedFrom('e2', 'e1', 'a', null, 'u', { 'prov:label': 'copy' }, 'd1');
    const [record] = doc.records();
    assert.equal(record?.id, 'd1');
    assert.deepEqual(Object.keys(record?.attributes ?? {}), ['prov:generatedEntity', 'prov:usedEntity', 'prov:activity', 'prov:usage', 'prov:label']);
  });

  it('rejects bad arguments at once with a TypeError naming them', () => {
    const doc = new ProvDocument().setDefaultNamespace('urn:x:');
    assert.throws(() => doc.wasAttributedTo('e', '' as string), /agent/);
    assert.throws(() => doc.entity('_:e1'), /blank node/);
    assert.throws(() => doc.entity('e', { k: undefined as unknown as string }), /k must be a string, boolean, number or Literal/);
    assert.throws(() => doc.used('a', 'e', null, { 'prov:entity': 'x' }), /formal argument/);
    assert.throws(() => doc.entity('e', { k: 'x'.repeat(MAX_ATTRIBUTE_VALUE_CHARS + 1) }), /over the limit/);
    assert.throws(() => doc.activity('a', Number.NaN), /startTime/);
    assert.throws(() => doc.addNamespace('prov', 'http://elsewhere/'), /already bound/);
    assert.throws(() => doc.addRecord({ kind: 'used', id: null, attributes: { 'prov:entity': 'e' } }), /a used needs prov:activity/);
    assert.throws(() => doc.addRecord({ kind: 'used', id: null, attributes: { 'prov:activity': 'a', 'prov:time': 'noon' } }), /prov:time must be an xsd:dateTime Literal/);
  });

  it('copies attributes, so later changes by the caller do not leak into the document', () => {
    const doc = new ProvDocument().setDefaultNamespace('urn:x:');
    const attributes = { k: 'before' };
    doc.entity('e', attributes);
    attributes.k = 'after';
    assert.equal(doc.records()[0]?.attributes.k, 'before');
  });

  it('bundle(id) returns the same bundle for the same id, in insertion order', () => {
    const doc = new ProvDocument();
    assert.equal(doc.bundle('ex:b'), doc.bundle('ex:b'));
    doc.bundle('ex:a');
    assert.deepEqual([...doc.bundles().keys()], ['ex:b', 'ex:a']);
  });
});
