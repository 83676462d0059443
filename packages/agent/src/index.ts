// The TypeScript API: the original's functions in camelCase.
export {
  Context,
  LoggingItemKind,
  FoldOperation,
  createContext,
  startRun,
  endRun,
  logParam,
  logMetric,
  logArtifact,
  logModel,
  saveModelVersion,
  logDataset,
  logSystemMetrics,
  logCarbonMetrics,
  logFlopsPerEpoch,
  logFlopsPerBatch,
  logCurrentExecutionTime,
  logExecutionStartTime,
  logExecutionEndTime,
  registerFinalMetric,
  type Fold,
  type StartRunOptions,
  type EndRunOptions,
} from './api.js';

// The pieces the CLI and tests assemble.
export { Agent, ENDPOINT_FILE, ackEndpointFor, type AgentOptions, type RunEndDetails, type ShutdownReport } from './agent.js';
export { claimRunDir, checkExperimentName, type ClaimedRunDir, type RunDirRequest } from './run-dir.js';
export { runWrapped, serveAgent, PYTHON_CLIENT_DIR, type WrapOptions, type ServeOptions } from './wrapper.js';
export { launchLocalRanks, type LocalLaunchOptions } from './local-launcher.js';
export { startSharedClock, type SharedClock } from './clock.js';
export { SeriesTable } from './series.js';
export type { Sampler, SampleKind } from './sampling.js';

// The local channel: protocol, server (in the agent) and Node client (in a program under `prov4ml run`).
export * from './channel/index.js';

// Samplers: system, GPU and carbon metrics (issue 5).
export * from './metrics/index.js';
