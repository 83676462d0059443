import type { Agent } from '../rank/agent.js';
import { DEFAULT_EXPERIMENT_NAME } from '../rank/run-config.js';
import type { ChannelHandler } from './server.js';
import type { AgentReply, ClientMessage, EndRunOutcome } from './protocol.js';
import type { RunOptions } from '../config/options.js';
import { SAMPLERS_START_WAIT_MS } from '../config/limits.js';
import { DEFAULT_METRIC_FORMAT, rankArtifactsDir, type MetricFormat, type RunConfigRecord, type ZarrCodec } from '@prov4ml/prov-core';

/** What the program asked for when it ended its run; applied to the rank's run_end record. */
export interface ProgramEnd {
  createGraph: boolean;
  createSvg: boolean;
  crateRoCrate: boolean;
  zipRunDir: boolean;
  unifyExperiments: boolean;
  /** How the program is exiting when it ends the run from its exit path; null: it called end_run. */
  exit: { exitCode: number | null; signal: string | null } | null;
}

/**
 * Serves the local channel for one rank: maps the program's messages onto the rank's agent.
 * Options the program leaves unset fall back to the agent's configuration (flags, PROV4ML_*).
 */
export function agentChannelHandler(
  agent: Agent,
  defaults: RunOptions,
  /** Resolves once the rank's records are as durable as this agent can make them (see EndRunOutcome). */
  onProgramEnd: (end: ProgramEnd) => Promise<EndRunOutcome>,
  log: (line: string) => void,
): ChannelHandler {
  /** The run a program's start_run already named (a wrapped rank records one run, whatever starts it again). */
  let started: string | null = null;
  return {
    onMessage(message: ClientMessage, reply: (r: AgentReply) => void): void {
      switch (message.t) {
        case 'hello':
          return;
        case 'start_run':
          if (started !== null) {
            log(`start_run again in this rank: a job under prov4ml run records one run, so these records join ${started}; run each part under a prov4ml run of its own to record them apart`);
          }
          agent
            .configure({
              kind: 'run_config',
              time: message.time ?? Date.now(),
              provUserNamespace: message.provUserNamespace ?? defaults.provUserNamespace,
              experimentName: message.experimentName ?? defaults.experimentName ?? DEFAULT_EXPERIMENT_NAME,
              collectAllProcesses: message.collectAllProcesses ?? defaults.collectAllProcesses,
              saveAfterNLogs: message.saveAfterNLogs ?? defaults.saveAfterNLogs,
              provenanceSaveDir: message.provenanceSaveDir ?? defaults.provenanceSaveDir,
              runId: message.runId ?? null,
              ...(message.csvSeparator == null ? {} : { csvSeparator: message.csvSeparator }),
              ...(message.disableCodecarbon == null ? {} : { disableCodecarbon: message.disableCodecarbon }),
              ...metricFilesConfig(message.metricsFileType ?? defaults.metricsFormat, message.zarrCodec),
            })
            .then(async (run) => {
              started = run.runDir;
              await agent.samples.started(SAMPLERS_START_WAIT_MS);
              return run;
            })
            .then(
              (run) =>
                reply({
                  t: 'started',
                  id: message.id,
                  rank: agent.job.rank,
                  worldSize: agent.job.worldSize,
                  runDir: run.runDir,
                  collectAllProcesses: run.config.collectAllProcesses,
                  saveAfterNLogs: run.config.saveAfterNLogs,
                  experimentName: run.experimentName,
                  runId: run.runId,
                  artifactsDir: rankArtifactsDir(run.runDir, agent.job.rank),
                }),
              (error: unknown) => reply({ t: 'error', id: message.id, message: (error as Error).message }),
            );
          return;
        case 'records':
          for (const record of message.records) agent.submit(record);
          return;
        case 'sample':
          agent.sample(message.kind, message.context, message.step ?? 0);
          return;
        case 'artifact':
          agent
            .logArtifact({
              path: message.path,
              ...(message.name === null ? {} : { name: message.name }),
              context: message.context,
              step: message.step,
              time: message.timestamp ?? Date.now(),
              role: message.role,
              ...(message.isInput == null ? {} : { isInput: message.isInput }),
              ...(message.copy == null ? {} : { copy: message.copy }),
              ...(message.subdirectory == null ? {} : { subdirectory: message.subdirectory }),
              ...(message.isModel == null ? {} : { isModel: message.isModel }),
              ...(message.scratchCopy == null ? {} : { scratchCopy: message.scratchCopy }),
            })
            .then(
              (record) => reply(record.storedPath === null ? { t: 'ok', id: message.id } : { t: 'ok', id: message.id, storedPath: record.storedPath }),
              (error: unknown) => reply({ t: 'error', id: message.id, message: (error as Error).message }),
            );
          return;
        case 'documents':
          // The SVG is drawn from the graph: asking for it asks for both.
          agent.writeDocuments({ createGraph: message.createGraph || message.createSvg, createSvg: message.createSvg }).then(
            (paths) => reply({ t: 'documents', id: message.id, ...paths }),
            (error: unknown) => reply({ t: 'error', id: message.id, message: (error as Error).message }),
          );
          return;
        case 'flush':
          agent.persist().then(
            () => reply({ t: 'ok', id: message.id }),
            (error: unknown) => reply({ t: 'error', id: message.id, message: (error as Error).message }),
          );
          return;
        case 'end_run':
          onProgramEnd({
            createGraph: message.createGraph,
            createSvg: message.createSvg,
            crateRoCrate: message.crateRoCrate === true,
            zipRunDir: message.zipRunDir === true,
            unifyExperiments: message.unifyExperiments === true,
            exit: message.exit ?? null,
          }).then(
            (outcome) => reply({ t: 'ok', id: message.id, ...outcome }),
            (error: unknown) => reply({ t: 'error', id: message.id, message: (error as Error).message }),
          );
          return;
        default:
          log(`unknown channel message ${(message as { t: string }).t}`);
      }
    },
  };
}

/** The run config's metric file fields: only what differs from CSV (and from zlib) travels. */
function metricFilesConfig(format: MetricFormat, zarrCodec: ZarrCodec | null | undefined): Pick<RunConfigRecord, 'metricsFormat' | 'zarrCodec'> {
  return { ...(format === DEFAULT_METRIC_FORMAT ? {} : { metricsFormat: format }), ...(zarrCodec == null ? {} : { zarrCodec }) };
}
