/** Which run directories a comparison reads: the ones named, or every `<experiment>_<id>` of a save dir. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '@prov4ml/prov-core';

/**
 * `<saveDir>/<experiment>_<id>` directories, by id. Other names that start the same way belong to
 * other experiments (`exp_big_0` is not a run of `exp`), so the rest of the name must be a number.
 */
export async function experimentRunDirs(saveDir: string, experiment: string): Promise<string[]> {
  const entries = await readdir(saveDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`${saveDir}: ${error.code === 'ENOENT' ? 'no such directory' : error.code === 'ENOTDIR' ? 'not a directory (with --experiment, give the save directory)' : `cannot read: ${error.code ?? error.message}`}`);
  });
  const prefix = `${experiment}_`;
  const runs = entries
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix) && /^\d+$/.test(entry.name.slice(prefix.length)))
    .map((entry) => entry.name)
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  if (runs.length === 0) throw new UserError(`${saveDir}: no runs of experiment ${JSON.stringify(experiment)} (no ${experiment}_<id> directories)`);
  return runs.map((name) => join(saveDir, name));
}
