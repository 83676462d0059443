import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatValidationIssue, validateProvJson } from '@prov4ml/prov-core';
import { G1_JSON, G3_JSON, readFixture } from './support/fixtures.js';

const PREFIX = '"prefix":{"default":"http://example.org/","ex":"http://example.org/ns#"}';

function errorsOf(body: string): string[] {
  return validateProvJson(`{${PREFIX},${body}}`, 'f.json').errors.map((issue) => formatValidationIssue(issue, 'error'));
}

describe('validateProvJson', () => {
  for (const name of [G1_JSON, G3_JSON]) {
    it(`finds no error in the original's ${name}, and warns about its non-IRI prefixes`, () => {
      const report = validateProvJson(readFixture(name), name);
      assert.deepEqual(report.errors, []);
      assert.ok(report.warnings.some((issue) => issue.recordId === 'prefix' && /prov-ml is bound to "prov-ml", which is not an absolute IRI/.test(issue.message)));
    });
  }

  it("warns where the original passes its run activity as a wasStartedBy trigger (an entity in PROV-DM)", () => {
    const report = validateProvJson(readFixture(G1_JSON), G1_JSON);
    const triggers = report.warnings.filter((issue) => /prov:trigger refers to experiment_name_execution, which is declared as activity, not as entity/.test(issue.message));
    assert.equal(triggers.length, 5);
  });

  it('reports each structural error once, with the record id', () => {
    assert.deepEqual(
      errorsOf('"entitty":{"e":{}},"entity":{"e1":{"nope:k":"v"},"e2":{"ex:n":{"$":"abc","type":"xsd:int"}},"e3":{"prov:startTime":"2020-01-01T00:00:00Z"}},' +
        '"wasAttributedTo":{"w1":{"prov:entity":"e1"}},"used":{"_:id1":{"prov:activity":{"$":"a"}}}'),
      [
        'f.json: error: entitty: unknown record type (expected entity, activity, agent, a relation such as wasGeneratedBy, prefix or bundle)',
        'f.json: error: e1: attribute nope:k: undeclared prefix nope in nope:k',
        'f.json: error: e2: attribute ex:n: malformed literal "abc": not an xsd:int',
        'f.json: error: e3: prov:startTime is not an argument of entity',
        'f.json: error: w1: wasAttributedTo is missing its required argument prov:agent',
        'f.json: error: _:id1: prov:activity must be a qualified name string, got an object',
      ],
    );
  });

  it('reports dangling references as warnings, not errors', () => {
    const report = validateProvJson(`{${PREFIX},"entity":{"e":{}},"wasGeneratedBy":{"g":{"prov:entity":"e","prov:activity":"ghost"}}}`, 'f.json');
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.warnings.map((issue) => formatValidationIssue(issue, 'warning')), ['f.json: warning: g: prov:activity refers to ghost, which no record in this document declares']);
  });

  it('keeps every issue on one line, even for ids with newlines and 50 MB values', () => {
    const big = 'x'.repeat(50 * 1024 * 1024);
    const report = validateProvJson(`{${PREFIX},"entity":{"line\\nbreak":{"ex:big":"${big}"}}}`, 'f.json');
    assert.equal(report.errors.length, 1);
    const line = formatValidationIssue(report.errors[0]!, 'error');
    assert.equal(line, 'f.json: error: line\\nbreak: attribute ex:big: value is 52428800 characters long, over the limit of 33554432');
  });

  it('reports invalid JSON and a top-level array as one error without a record id', () => {
    assert.deepEqual(validateProvJson('[1]', 'f.json').errors, [{ source: 'f.json', recordId: null, message: 'expected a JSON object at the top level, got an array' }]);
    const truncated = validateProvJson('{"entity": {"e"', 'f.json').errors;
    assert.equal(truncated.length, 1);
    assert.match(truncated[0]?.message ?? '', /^not valid JSON: /);
  });
});
