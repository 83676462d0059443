/** How a rank ended, what its agent could deliver, and what the user must be told about it. */

export interface RunEndDetails {
  exitCode: number | null;
  signal: string | null;
  clean: boolean;
  createGraph: boolean;
  createSvg: boolean;
  /** The program asked for the job's RO-Crate (written when the job is finalised). */
  crateRoCrate: boolean;
  /** The program asked for `<run dir>.zip` (use_compressor=ZIP), written when the job is finalised. */
  zipRunDir: boolean;
  /** The program asked for its experiment's runs unified (unify_experiments), once the job is finalised. */
  unifyExperiments?: boolean;
}

export interface ShutdownReport {
  runDir: string | undefined;
  spoolPath: string | undefined;
  /** True when the aggregator confirmed every frame; false means the spool holds what it missed. */
  delivered: boolean;
  /** Files the hosted aggregator wrote, when this agent hosted it. */
  finalized: boolean;
  /** This agent hosted the job's aggregator. */
  hosted: boolean;
  /** Why the spool stopped taking frames (ENOSPC…): records it could not take exist only if delivered. */
  spoolFailure: string | undefined;
  /** Envelopes dropped because neither the spool nor memory (MAX_UNSPOOLED_BYTES_IN_MEMORY) could keep them. */
  droppedFrames: number;
  /** False when the aggregator never accepted this rank's connection (absent: not known). */
  aggregatorReached?: boolean;
}

/**
 * What a user must know when a rank ends without its records safely in the job's files: where they
 * are kept and how to rebuild the files, or what could not be kept. Null when all is well.
 */
export function shutdownNotice(report: ShutdownReport): string | null {
  const merge = `prov4ml merge ${report.runDir ?? '<run dir>'}`;
  // Without a run directory there is no spool; the agent has already said why.
  if (report.spoolPath === undefined) return null;
  if (!report.delivered && report.spoolFailure !== undefined) {
    const dropped = report.droppedFrames > 0 ? `, and ${report.droppedFrames} envelopes neither it nor memory could keep are lost` : '';
    return (
      `the aggregator did not confirm every record, and the spool ${report.spoolPath} stopped taking them (${report.spoolFailure}): ` +
      `what it holds is kept; records it could not take that the aggregator did not confirm are lost${dropped}. To rebuild the files from what is kept: ${merge}`
    );
  }
  if (!report.delivered && report.aggregatorReached === false) {
    return (
      'the aggregator never accepted this rank\'s connection (an aggregator past its open-file limit, `ulimit -n`, accepts no more ranks: ' +
      `its log says how many it takes; or it is not running); nothing is lost: the records are in ${report.spoolPath}. After the job, run: ${merge}`
    );
  }
  if (!report.delivered) {
    return `the aggregator did not confirm every record; nothing is lost: the records are in ${report.spoolPath}. After the job, run: ${merge}`;
  }
  if (report.droppedFrames > 0) {
    return `the spool ${report.spoolPath} stopped taking records (${report.spoolFailure ?? 'write failed'}) and ${report.droppedFrames} envelopes neither it nor memory could keep are lost; the aggregator confirmed every other one`;
  }
  if (report.hosted && !report.finalized) {
    return `the job's files were not written in ${report.runDir} (see above); every record is kept in its spools. Once the cause is fixed, run: ${merge}`;
  }
  return null;
}
