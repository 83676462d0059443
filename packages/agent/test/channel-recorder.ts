/**
 * A channel server for tests: records every message per connection and answers requests the way an
 * agent would, without being one (start_run → started, artifact → ok with a stored path, documents →
 * paths it does not write, …).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before } from 'node:test';
import type { MetricSeriesBatch } from '@prov4ml/prov-core';
import {
  startChannelServer,
  type AgentReply,
  type ChannelServer,
  type ClientMessage,
  type ConnectionInfo,
} from '../src/channel/index.js';

export interface RecordedConnection {
  info: ConnectionInfo;
  messages: ClientMessage[];
  disconnected: boolean;
}

export interface RecordingServer {
  server: ChannelServer;
  /** The temporary directory holding the socket; also the run directory the server reports. */
  directory: string;
  path: string;
  connections: RecordedConnection[];
  logs: string[];
  /** Size of each artifact's file when the agent was asked to store it (the client may delete it after the reply). */
  artifactSizes: Map<string, number>;
  /** Text of each artifact file of at most ARTIFACT_TEXT_BYTES when the agent was asked to store it. */
  artifactContents: Map<string, string>;
  /** The connections whose start_run named this experiment. */
  experiment(name: string): RecordedConnection[];
}

/** Experiments whose name starts with this get rank 1 (so that rank ≠ 0 behaviour can be tested). */
export const RANK_1_PREFIX = 'rank1';
/** Artifact files up to this size are kept as text (the client may delete them after the reply). */
const ARTIFACT_TEXT_BYTES = 64 * 1024;
/** Artifacts whose path contains this are refused. */
export const REFUSED_ARTIFACT = 'refuse';

export async function startRecordingServer(directory: string): Promise<RecordingServer> {
  const connections: RecordedConnection[] = [];
  const logs: string[] = [];
  const artifactSizes = new Map<string, number>();
  const artifactContents = new Map<string, string>();
  const byId = new Map<number, RecordedConnection>();
  const path = join(directory, 'agent.sock');
  const server = await startChannelServer({
    path,
    log: (line) => logs.push(line),
    handler: {
      onMessage(message, reply, info) {
        let connection = byId.get(info.id);
        if (!connection) {
          connection = { info, messages: [], disconnected: false };
          byId.set(info.id, connection);
          connections.push(connection);
        }
        connection.messages.push(message);
        const answer = answerFor(message, directory, artifactSizes, artifactContents);
        if (answer) reply(answer);
      },
      onDisconnect(info) {
        const connection = byId.get(info.id);
        if (connection) connection.disconnected = true;
      },
    },
  });
  return {
    server,
    directory,
    path,
    connections,
    logs,
    artifactSizes,
    artifactContents,
    experiment: (name) => connections.filter((c) => c.messages.some((m) => m.t === 'start_run' && m.experimentName === name)),
  };
}

function answerFor(message: ClientMessage, runDir: string, artifactSizes: Map<string, number>, artifactContents: Map<string, string>): AgentReply | null {
  switch (message.t) {
    case 'start_run':
      return {
        t: 'started',
        id: message.id,
        rank: message.rank ?? (message.experimentName?.startsWith(RANK_1_PREFIX) ? 1 : 0),
        worldSize: 4,
        runDir,
        collectAllProcesses: message.collectAllProcesses ?? false,
        saveAfterNLogs: message.saveAfterNLogs ?? 100,
        experimentName: message.experimentName ?? 'experiment',
        runId: message.runId ?? 0,
        artifactsDir: join(runDir, 'artifacts', 'GR0'),
      };
    case 'artifact': {
      if (message.path.includes(REFUSED_ARTIFACT)) return { t: 'error', id: message.id, message: 'refused by the test' };
      const size = statSync(message.path).size;
      artifactSizes.set(message.path, size);
      if (size <= ARTIFACT_TEXT_BYTES) artifactContents.set(message.path, readFileSync(message.path, 'utf8'));
      if (message.copy === false) return { t: 'ok', id: message.id };
      const subdirectory = message.subdirectory == null ? '' : `${message.subdirectory}/`;
      return { t: 'ok', id: message.id, storedPath: `artifacts/GR0/${subdirectory}${message.name ?? basename(message.path)}` };
    }
    case 'documents': {
      const json = join(runDir, 'prov_experiment_GR0.json');
      return { t: 'documents', id: message.id, json, dot: message.createGraph ? `${json.slice(0, -5)}.dot` : null, svg: message.createSvg ? `${json.slice(0, -5)}.svg` : null };
    }
    case 'flush':
    case 'end_run':
      return { t: 'ok', id: message.id };
    default:
      return null;
  }
}

/**
 * A recording server in a fresh temporary directory for the tests of the enclosing describe: started
 * before them, closed and removed after them. Returns a getter, as the server exists only once they run.
 */
export function useRecordingServer(prefix: string): () => RecordingServer {
  let recording: RecordingServer | undefined;
  before(async () => {
    recording = await startRecordingServer(mkdtempSync(join(tmpdir(), prefix)));
  });
  after(async () => {
    if (!recording) return;
    await recording.server.close();
    rmSync(recording.directory, { recursive: true, force: true });
  });
  return () => {
    if (!recording) throw new Error('the recording server is not started yet');
    return recording;
  };
}

/** Every metric series of a connection's records messages, in arrival order. */
export function seriesOf(connection: RecordedConnection): MetricSeriesBatch[] {
  return connection.messages.flatMap((m) => (m.t === 'records' ? m.records.flatMap((r) => (r.kind === 'metrics' ? r.series : [])) : []));
}

/** Polls `condition` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
