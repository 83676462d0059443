/**
 * PROV-JSON writing against its limit, side by side in one run: a document of 1M attributes written
 * with toProvJson + writeFile must take at most twice JSON.stringify + writeFile of the same JSON
 * as a plain object (issue 2; the factor is in run.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvDocument, int, toProvJson } from '@prov4ml/prov-core';
import type { Attributes } from '@prov4ml/prov-core';
import { median, seconds } from './stats.js';

const ENTITIES = 100_000;
const ATTRIBUTES_PER_ENTITY = 10;
const ROUNDS = 5;

interface Workload {
  readonly document: ProvDocument;
  /** The same PROV-JSON as a plain object, so JSON.stringify produces byte-identical output. */
  readonly plain: object;
}

/** 1M attributes: a third xsd:int, a third xsd:double, a third strings, as a metric-heavy run would have. */
function workload(): Workload {
  const document = new ProvDocument().setDefaultNamespace('http://example.org/run#').addNamespace('prov-ml', 'https://prov4ml.example/ns#');
  const entities: Record<string, Record<string, unknown>> = {};
  for (let e = 0; e < ENTITIES; e++) {
    const attributes: Attributes = {};
    const plain: Record<string, unknown> = {};
    for (let a = 0; a < ATTRIBUTES_PER_ENTITY; a++) {
      const key = `prov-ml:attribute_${a}`;
      if (a % 3 === 0) {
        attributes[key] = int(e * a);
        plain[key] = { $: String(e * a), type: 'xsd:int' };
      } else if (a % 3 === 1) {
        attributes[key] = e / 7 + a;
        plain[key] = { $: String(e / 7 + a), type: 'xsd:double' };
      } else {
        attributes[key] = `value ${e}/${a} "quoted"`;
        plain[key] = `value ${e}/${a} "quoted"`;
      }
    }
    document.entity(`metric_${e}`, attributes);
    entities[`metric_${e}`] = plain;
  }
  const plain = { prefix: { 'prov-ml': 'https://prov4ml.example/ns#', default: 'http://example.org/run#' }, entity: entities };
  return { document, plain };
}

export async function measureProvJson(): Promise<Record<string, number>> {
  const { document, plain } = workload();
  const directory = join(process.cwd(), 'bench-output');
  await mkdir(directory, { recursive: true });
  const provPath = join(directory, 'provjson-1m.json');
  const plainPath = join(directory, 'plain-1m.json');
  if (toProvJson(document) !== JSON.stringify(plain)) throw new Error('bench: the plain object is not equivalent to the PROV document');
  const ours: number[] = [];
  const baseline: number[] = [];
  // Interleaved rounds, so a busy moment on the machine hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await seconds(() => writeFile(provPath, toProvJson(document))));
    baseline.push(await seconds(() => writeFile(plainPath, JSON.stringify(plain))));
  }
  await rm(directory, { recursive: true, force: true });
  return {
    provjson_write_1m_attrs_s: median(ours),
    provjson_stringify_write_1m_attrs_s: median(baseline),
  };
}
