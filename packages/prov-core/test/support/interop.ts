/** Checks of our output by the real tools: python prov (via the shared helper) and Graphviz `dot`, each batched. */
import { spawnSync } from 'node:child_process';
import { commandWorks, pythonModuleAvailable } from '../../../../test/support/components.js';

export { pythonProvErrors } from '../../../../test/support/run-dir.js';

export const pythonProvAvailable = pythonModuleAvailable('prov');
export const graphvizAvailable = commandWorks('dot', ['-V']);

/** Graphviz's complaints when rendering every DOT file with `dot -Tsvg` in one process ('' when all rendered). */
export function graphvizErrors(paths: readonly string[]): string {
  const result = spawnSync('dot', ['-Tsvg', '-O', ...paths], { encoding: 'utf8', timeout: 300_000 });
  if (result.status === 0 && !/error/i.test(result.stderr)) return '';
  return `dot exited ${result.status}: ${result.stderr.slice(0, 2000)}`;
}
