/**
 * The packages of a finished run that finalisation writes when a rank asked for them: the RO-Crate
 * (end_run(crate_ro_crate=True)), `<run dir>.zip` (start_run(use_compressor=ZIP)) and the experiment's
 * unified document (start_run(unify_experiments=True)). The report
 * package writes them; the aggregator may not import it (report imports the aggregator), so whoever
 * hosts the aggregator (the agent, `merge`) passes report's writer in.
 */
import { basename, dirname } from 'node:path';
import { CRATE_METADATA_FILE, type RankSummary } from '@prov4ml/prov-core';
import { defaultUnifiedPath, writeUnifiedExperiment } from '../directory/unify.js';

export interface CrateWriter {
  /** Writes `ro-crate-metadata.json` into the finished run directory; returns its path. */
  writeCrate(runDir: string): Promise<string>;
  /** Writes `<run dir>.zip` beside the run directory; returns its path. */
  zipRunDirectory(runDir: string): Promise<string>;
}

/**
 * What the ranks' run ends asked for, written with `writer`: the crate first, so that the zip holds it.
 * A failure is logged with the command that does it by hand, never thrown: the job's documents are
 * written, and a package is no reason to call the run failed. Returns the files written inside the run directory.
 */
export async function writeRequestedPackages(runDir: string, summaries: readonly RankSummary[], writer: CrateWriter | undefined, log: (line: string) => void): Promise<string[]> {
  const asked = (pick: (summary: RankSummary) => boolean | undefined): number | undefined => summaries.find((summary) => pick(summary) === true)?.rank;
  const crateRank = asked((summary) => summary.runEnd?.crateRoCrate);
  const zipRank = asked((summary) => summary.runEnd?.zipRunDir);
  const written: string[] = [];
  if (crateRank !== undefined) {
    const done = await attempt(writer, (w) => w.writeCrate(runDir), `rank ${crateRank} asked for an RO-Crate`, `prov4ml crate ${runDir}`, log);
    if (done !== null) written.push(CRATE_METADATA_FILE);
  }
  if (zipRank !== undefined) {
    const zip = await attempt(writer, (w) => w.zipRunDirectory(runDir), `rank ${zipRank} asked for use_compressor=ZIP`, `prov4ml crate ${runDir} --zip`, log);
    if (zip !== null) log(`wrote ${zip}`);
  }
  const unifyRank = asked((summary) => summary.runEnd?.unifyExperiments);
  if (unifyRank !== undefined) await unifyExperiment(runDir, `rank ${unifyRank} asked for unify_experiments`, log);
  return written;
}

/** The original's unify_experiments: every run of this run's experiment, beside them, in `<experiment>_UNIFIED.json`. */
async function unifyExperiment(runDir: string, what: string, log: (line: string) => void): Promise<void> {
  const root = dirname(runDir);
  const experiment = basename(runDir).replace(/_\d+$/, '');
  try {
    const unified = await writeUnifiedExperiment({ experiment, root, output: defaultUnifiedPath(root, experiment) });
    log(`wrote ${unified.path} (${unified.runs} runs, ${unified.documents} rank documents)`);
  } catch (error) {
    log(`${what}, and it was not written: ${(error as Error).message}; run prov4ml unify --experiment ${experiment} --root ${root}`);
  }
}

async function attempt(writer: CrateWriter | undefined, write: (writer: CrateWriter) => Promise<string>, what: string, byHand: string, log: (line: string) => void): Promise<string | null> {
  if (writer === undefined) {
    log(`${what}, but this aggregator has no package writer; run ${byHand}`);
    return null;
  }
  try {
    return await write(writer);
  } catch (error) {
    log(`${what}, and it was not written: ${(error as Error).message}; run ${byHand}`);
    return null;
  }
}
