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
} from './api/functions.js';

// The pieces the CLI and tests assemble.
export { Agent, type AgentOptions } from './rank/agent.js';
export type { RunEndDetails, ShutdownReport } from './rank/shutdown-report.js';
export { claimRunDir, checkExperimentName, type ClaimedRunDir, type RunDirRequest } from './rank/run-dir.js';
export { runWrapped, runWithoutProvenance, serveAgent, PYTHON_CLIENT_DIR, type WrapOptions, type ServeOptions } from './wrapper/wrapper.js';
export { runLocalRanks, type LocalRunOptions } from './wrapper/local-launcher.js';
export { serveAggregator, type ServeAggregatorOptions } from './wrapper/serve-aggregator.js';
export { startSharedClock, type SharedClock } from './api/clock.js';
export { SeriesTable } from './api/series-table.js';
export type { Sampler, SampleKind } from './metrics/sampling.js';

// Job detection and configuration.
export {
  resolveRunOptions,
  resolveProcessOptions,
  OPTION_TABLE,
  OPTION_VARIABLES,
  RUN_OPTION_VARIABLES,
  type RunOptions,
  type ProcessOptions,
  type SamplerVariables,
  type OptionVariable,
  type RunOptionVariable,
  type Environment,
} from './config/options.js';
export { selectEnvironment, RECORDED_VARIABLE_NAMES, SECRET_NAME_PATTERN, MAX_RECORDED_VARIABLE_LENGTH } from './config/recorded-environment.js';
export {
  detectJob,
  LAUNCHER_PRECEDENCE,
  LOCAL_JOB_ID_PREFIX,
  type JobInfo,
  type JobInfoOverrides,
  type JobOverridesInput,
  type LauncherRow,
} from './rank/detect.js';
export {
  resolveAggregatorEndpoint,
  checkZmqEndpoint,
  derivePort,
  ephemeralPortRisk,
  DERIVED_PORT_BASE,
  DERIVED_PORT_SLOTS,
  MAX_AGGREGATOR_PORT,
  type AggregatorPlacement,
  type HostedAggregator,
  type RemoteAggregator,
  type AggregatorOptions,
} from './rank/endpoint.js';
export {
  curveKeyDir,
  loadOrCreateServerKeys,
  waitForServerPublicKey,
  type TransportOptions,
} from './rank/curve-keys.js';
export { expandHostlist, expandSlurmCounts, MAX_HOSTLIST_HOSTS, MAX_HOSTS_PER_RANGE } from './rank/hostlist.js';

// The local channel: protocol, server (in the agent) and Node client (in a program under `prov4ml run`).
export * from './channel/index.js';

// Samplers: system, GPU and carbon metrics (issue 5).
export * from './metrics/index.js';
export { HEARTBEAT_INTERVAL_MS } from './config/limits.js';
