import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file in test/fixtures (see fixtures/SOURCES.md for where each comes from). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

export const G1_JSON = 'g1_provgraph_experiment_name.json';
export const G3_JSON = 'g3_prov_mnist_exp_GR0_0.json';
