/**
 * The packages of a finished run that finalisation writes when a rank asked for them: the RO-Crate
 * (end_run(crate_ro_crate=True)) and `<run dir>.zip` (start_run(use_compressor=ZIP)). The report
 * package writes them; the aggregator may not import it (report imports the aggregator), so whoever
 * hosts the aggregator (the agent, `merge`) passes report's writer in.
 */
import { CRATE_METADATA_FILE, type RankSummary } from '@prov4ml/prov-core';

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
  return written;
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
