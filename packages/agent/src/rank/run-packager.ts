/**
 * The report package's writer of a finished run's packages (RO-Crate, `<run dir>.zip`), for the
 * aggregator this process hosts. Loaded only when a rank asked for a package: most jobs never do, and
 * rank 0 need not load the report's code to start.
 */
import type { CrateWriter } from '@prov4ml/aggregator';

export const lazyRunPackager: CrateWriter = {
  writeCrate: async (runDir) => (await import('@prov4ml/report')).runPackager.writeCrate(runDir),
  zipRunDirectory: async (runDir) => (await import('@prov4ml/report')).runPackager.zipRunDirectory(runDir),
};
