import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertUserError } from './support/user-error.js';
import { readFileSync } from 'node:fs';
import {
  OPTION_VARIABLES,
  resolveProcessOptions,
  resolveRunOptions,
  RUN_OPTION_VARIABLES,
  type RunOptions,
} from '../src/config/options.js';
import { MAX_RECORDED_VARIABLE_LENGTH, selectEnvironment } from '../src/config/recorded-environment.js';

const DEFAULTS: RunOptions = {
  provUserNamespace: 'www.example.org',
  experimentName: null,
  provenanceSaveDir: null,
  collectAllProcesses: false,
  saveAfterNLogs: 100,
  rank: null,
  worldSize: null,
  aggregator: null,
  port: null,
  runId: null,
  jobId: null,
  metricsInterval: 10,
  rankTimeout: 60,
  insecure: false,
  keyDir: null,
  metricsFormat: 'csv',
  relay: null,
};


test('the option table names every option PROV4ML_<UPPER_SNAKE>, exactly the issue’s variables', () => {
  assert.deepEqual(
    RUN_OPTION_VARIABLES.map((row) => [row.option, row.env]),
    [
      ['provUserNamespace', 'PROV4ML_PROV_USER_NAMESPACE'],
      ['experimentName', 'PROV4ML_EXPERIMENT_NAME'],
      ['provenanceSaveDir', 'PROV4ML_PROVENANCE_SAVE_DIR'],
      ['collectAllProcesses', 'PROV4ML_COLLECT_ALL_PROCESSES'],
      ['saveAfterNLogs', 'PROV4ML_SAVE_AFTER_N_LOGS'],
      ['rank', 'PROV4ML_RANK'],
      ['worldSize', 'PROV4ML_WORLD_SIZE'],
      ['aggregator', 'PROV4ML_AGGREGATOR'],
      ['port', 'PROV4ML_PORT'],
      ['runId', 'PROV4ML_RUN_ID'],
      ['jobId', 'PROV4ML_JOB_ID'],
      ['metricsInterval', 'PROV4ML_METRICS_INTERVAL'],
      ['rankTimeout', 'PROV4ML_RANK_TIMEOUT'],
      ['insecure', 'PROV4ML_INSECURE'],
      ['keyDir', 'PROV4ML_KEY_DIR'],
      ['metricsFormat', 'PROV4ML_METRICS_FORMAT'],
      ['relay', 'PROV4ML_RELAY'],
    ],
  );
  for (const row of RUN_OPTION_VARIABLES) {
    assert.equal(row.env, `PROV4ML_${row.option.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`);
    assert.ok(row.description.length > 10 && row.expected.length > 5, row.option);
  }
  assert.deepEqual(Object.keys(resolveRunOptions({}, {})).sort(), RUN_OPTION_VARIABLES.map((row) => row.option).sort());
});

test('defaults when neither arguments nor variables say anything', () => {
  assert.deepEqual(resolveRunOptions({}, {}), DEFAULTS);
  assert.deepEqual(resolveRunOptions({}, { PROV4ML_RANK: '', PROV4ML_PORT: '' }), DEFAULTS, 'empty variables are unset');
});

const FROM_ENV: Record<string, string> = {
  PROV4ML_PROV_USER_NAMESPACE: 'https://lab.example/prov/',
  PROV4ML_EXPERIMENT_NAME: 'mnist',
  PROV4ML_PROVENANCE_SAVE_DIR: '/shared/prov',
  PROV4ML_COLLECT_ALL_PROCESSES: 'yes',
  PROV4ML_SAVE_AFTER_N_LOGS: '250',
  PROV4ML_RANK: '3',
  PROV4ML_WORLD_SIZE: '8',
  PROV4ML_AGGREGATOR: 'tcp://node01:24000',
  PROV4ML_PORT: '24000',
  PROV4ML_RUN_ID: '7',
  PROV4ML_JOB_ID: 'job-2025-05-22',
  PROV4ML_METRICS_INTERVAL: '2.5',
  PROV4ML_RANK_TIMEOUT: '5',
  PROV4ML_INSECURE: 'no',
  PROV4ML_KEY_DIR: '/shared/keys',
  PROV4ML_METRICS_FORMAT: 'Zarr',
};

test('every option comes from its PROV4ML_* variable', () => {
  assert.deepEqual(resolveRunOptions({}, FROM_ENV), {
    provUserNamespace: 'https://lab.example/prov/',
    experimentName: 'mnist',
    provenanceSaveDir: '/shared/prov',
    collectAllProcesses: true,
    saveAfterNLogs: 250,
    rank: 3,
    worldSize: 8,
    aggregator: 'tcp://node01:24000',
    port: 24000,
    runId: 7,
    jobId: 'job-2025-05-22',
    metricsInterval: 2.5,
    rankTimeout: 5,
    insecure: false,
    keyDir: '/shared/keys',
    metricsFormat: 'zarr',
    relay: null,
  });
});

test('explicit arguments beat the environment; null or undefined arguments do not', () => {
  const explicit: RunOptions = {
    provUserNamespace: 'ns',
    experimentName: 'cifar',
    provenanceSaveDir: 'out',
    collectAllProcesses: false,
    saveAfterNLogs: 1,
    rank: 0,
    worldSize: 2,
    aggregator: 'ipc:///tmp/agg.sock',
    port: 0,
    runId: 0,
    jobId: 'mine',
    metricsInterval: 0,
    rankTimeout: 1,
    insecure: true,
    keyDir: 'keys',
    metricsFormat: 'netcdf',
    relay: false,
  };
  assert.deepEqual(resolveRunOptions(explicit, FROM_ENV), explicit);
  const fromEnvironment = resolveRunOptions({ experimentName: null, rank: undefined }, FROM_ENV);
  assert.equal(fromEnvironment.experimentName, 'mnist');
  assert.equal(fromEnvironment.rank, 3);
});

test('flags accept 1/0/true/false/yes/no in any case', () => {
  const cases: [string, boolean][] = [['1', true], ['0', false], ['true', true], ['FALSE', false], ['Yes', true], ['no', false], [' true ', true]];
  for (const [text, expected] of cases) {
    assert.equal(resolveRunOptions({}, { PROV4ML_COLLECT_ALL_PROCESSES: text }).collectAllProcesses, expected, text);
  }
});

const BAD_VARIABLES: [string, string][] = [
  ['PROV4ML_SAVE_AFTER_N_LOGS', 'abc'],
  ['PROV4ML_SAVE_AFTER_N_LOGS', '0'],
  ['PROV4ML_SAVE_AFTER_N_LOGS', '-5'],
  ['PROV4ML_RANK', '-1'],
  ['PROV4ML_RANK', '1.5'],
  ['PROV4ML_WORLD_SIZE', '0'],
  ['PROV4ML_PORT', '65535'],
  ['PROV4ML_PORT', '70000'],
  ['PROV4ML_PORT', 'http'],
  ['PROV4ML_RUN_ID', 'latest'],
  ['PROV4ML_COLLECT_ALL_PROCESSES', 'maybe'],
  ['PROV4ML_METRICS_INTERVAL', '-1'],
  ['PROV4ML_METRICS_INTERVAL', 'ten'],
  ['PROV4ML_AGGREGATOR', 'node01:5555'],
  ['PROV4ML_AGGREGATOR', 'tcp://node01'],
  ['PROV4ML_AGGREGATOR', 'tcp://*:5555'],
  ['PROV4ML_EXPERIMENT_NAME', 'a\nb'],
  ['PROV4ML_METRICS_INTERVAL', '10s'],
  ['PROV4ML_METRICS_INTERVAL', '1e3'],
];

for (const [name, value] of BAD_VARIABLES) {
  test(`${name}=${JSON.stringify(value)} is a UserError naming the variable and the value`, () => {
    assertUserError(() => resolveRunOptions({}, { [name]: value }), name, JSON.stringify(value));
  });
}

test('bad argument values are UserErrors naming the argument; wrong types are TypeErrors', () => {
  assertUserError(() => resolveRunOptions({ saveAfterNLogs: 0 }, {}), 'saveAfterNLogs');
  assertUserError(() => resolveRunOptions({ port: 70_000 }, {}), 'port', '70000');
  assertUserError(() => resolveRunOptions({ rank: -1 }, {}), 'rank');
  assertUserError(() => resolveRunOptions({ metricsInterval: Number.NaN }, {}), 'metricsInterval');
  assertUserError(() => resolveRunOptions({ experimentName: '' }, {}), 'experimentName');
  assert.throws(() => resolveRunOptions({ rank: '1' as unknown as number }, {}), (error: unknown) => error instanceof TypeError && /rank/.test(error.message));
  assert.throws(() => resolveRunOptions({ collectAllProcesses: 1 as unknown as boolean }, {}), TypeError);
});

test('the one table holds every PROV4ML_* variable the TypeScript side reads, each documented in README.md', () => {
  assert.deepEqual(
    OPTION_VARIABLES.filter((row) => row.group !== 'run').map((row) => [row.group, row.option, row.env]),
    [
      ['samplers', 'countryIso', 'PROV4ML_COUNTRY'],
      ['samplers', 'region', 'PROV4ML_REGION'],
      ['samplers', 'carbonIntensityGPerKWh', 'PROV4ML_CARBON_INTENSITY'],
      ['samplers', 'raplRoot', 'PROV4ML_RAPL_ROOT'],
      ['process', 'channel', 'PROV4ML_CHANNEL'],
      ['process', 'bind', 'PROV4ML_BIND'],
    ],
  );
  assert.deepEqual(OPTION_VARIABLES.filter((row) => row.group === 'run'), RUN_OPTION_VARIABLES);
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  for (const row of OPTION_VARIABLES) {
    assert.ok(row.env.startsWith('PROV4ML_') && row.description.length > 10 && row.expected.length > 5, row.env);
    assert.ok(readme.includes(`\`${row.env}\``), `README.md does not mention ${row.env}`);
  }
  assert.equal(new Set(OPTION_VARIABLES.map((row) => row.env)).size, OPTION_VARIABLES.length, 'one row a variable');
});

test('process options: PROV4ML_CHANNEL and PROV4ML_BIND, a flag beating the variable, checked like every row', () => {
  assert.deepEqual(resolveProcessOptions({}, {}), { channel: null, bind: null });
  assert.deepEqual(resolveProcessOptions({}, { PROV4ML_CHANNEL: '', PROV4ML_BIND: '' }), { channel: null, bind: null }, 'empty variables are unset');
  assert.deepEqual(
    resolveProcessOptions({}, { PROV4ML_CHANNEL: '/tmp/prov4ml-1/GR0.sock', PROV4ML_BIND: 'tcp://*:0' }),
    { channel: '/tmp/prov4ml-1/GR0.sock', bind: 'tcp://*:0' },
    'a bind is kept as written',
  );
  assert.equal(resolveProcessOptions({ bind: 'ipc:///tmp/agg' }, { PROV4ML_BIND: 'tcp://0.0.0.0:41000' }).bind, 'ipc:///tmp/agg');
  assert.equal(resolveProcessOptions({ bind: undefined }, { PROV4ML_BIND: 'tcp://0.0.0.0:41000' }).bind, 'tcp://0.0.0.0:41000');
  assertUserError(() => resolveProcessOptions({}, { PROV4ML_BIND: 'tcp://0.0.0.0' }), 'PROV4ML_BIND', '"tcp://0.0.0.0"', 'ZeroMQ endpoint to bind');
  assertUserError(() => resolveProcessOptions({}, { PROV4ML_BIND: 'tcp://*:65535' }), 'PROV4ML_BIND', '"tcp://*:65535"');
  assertUserError(() => resolveProcessOptions({ bind: 'node01:41000' }, {}), 'bind: "node01:41000"');
  assertUserError(() => resolveProcessOptions({}, { PROV4ML_CHANNEL: 'a\u0007b' }), 'PROV4ML_CHANNEL', '"a\\u0007b"');
});

test('a rank not below the world size names both sources', () => {
  assertUserError(() => resolveRunOptions({}, { PROV4ML_RANK: '4', PROV4ML_WORLD_SIZE: '4' }), 'PROV4ML_RANK', 'PROV4ML_WORLD_SIZE');
  assertUserError(() => resolveRunOptions({ rank: 5 }, { PROV4ML_WORLD_SIZE: '4' }), 'rank 5', 'PROV4ML_WORLD_SIZE');
});

test('selectEnvironment keeps launcher and software variables, never credentials, sorted', () => {
  const env = {
    SLURM_JOB_ID: '31', SLURM_STEP_NODELIST: 'node[01-02]', SLURMD_NODENAME: 'node01', OMPI_COMM_WORLD_RANK: '1',
    PMI_RANK: '1', PMIX_NAMESPACE: 'slurm.pmix.31.0', MPI_LOCALRANKID: '0', RANK: '1', WORLD_SIZE: '2',
    MASTER_ADDR: 'node01', TORCHELASTIC_RUN_ID: 'none', CUDA_VISIBLE_DEVICES: '0,1', NCCL_DEBUG: 'INFO',
    OMP_NUM_THREADS: '1', PROV4ML_EXPERIMENT_NAME: 'mnist', PATH: '/usr/bin', PYTHONPATH: '/opt/prov4ml',
    VIRTUAL_ENV: '/venv', CONDA_DEFAULT_ENV: 'ml', HOSTNAME: 'vm', USER: 'alice', PWD: '/work',
    // dropped: credentials, even under a kept prefix
    AWS_SECRET_ACCESS_KEY: 'x', GITHUB_TOKEN: 'x', DB_PASSWORD: 'x', PROV4ML_API_KEY: 'x', SLURM_JWT: 'x',
    CUDA_AUTH: 'x', SSH_AUTH_SOCK: '/tmp/ssh', WANDB_API_KEY: 'x', my_passwd: 'x',
    // dropped: not about the launch or the software
    LS_COLORS: 'di=34', EDITOR: 'vim', RANKING: '3', HISTFILE: '/root/.h', UNSET: undefined,
  };
  assert.deepEqual(selectEnvironment(env), {
    CONDA_DEFAULT_ENV: 'ml', CUDA_VISIBLE_DEVICES: '0,1', HOSTNAME: 'vm', MASTER_ADDR: 'node01', MPI_LOCALRANKID: '0',
    NCCL_DEBUG: 'INFO', OMPI_COMM_WORLD_RANK: '1', OMP_NUM_THREADS: '1', PATH: '/usr/bin', PMIX_NAMESPACE: 'slurm.pmix.31.0',
    PMI_RANK: '1', PROV4ML_EXPERIMENT_NAME: 'mnist', PWD: '/work', PYTHONPATH: '/opt/prov4ml', RANK: '1',
    SLURMD_NODENAME: 'node01', SLURM_JOB_ID: '31', SLURM_STEP_NODELIST: 'node[01-02]', TORCHELASTIC_RUN_ID: 'none',
    USER: 'alice', VIRTUAL_ENV: '/venv', WORLD_SIZE: '2',
  });
  assert.deepEqual(Object.keys(selectEnvironment(env)), Object.keys(selectEnvironment(env)).sort());
});

test('selectEnvironment cuts a huge value at MAX_RECORDED_VARIABLE_LENGTH and marks it', () => {
  const path = 'p'.repeat(MAX_RECORDED_VARIABLE_LENGTH + 100);
  const recorded = selectEnvironment({ PATH: path }).PATH ?? '';
  assert.equal(recorded, `${'p'.repeat(MAX_RECORDED_VARIABLE_LENGTH)}…[truncated]`);
  assert.equal(selectEnvironment({ PATH: 'q'.repeat(MAX_RECORDED_VARIABLE_LENGTH) }).PATH?.length, MAX_RECORDED_VARIABLE_LENGTH);
});
