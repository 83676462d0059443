/**
 * `prov4ml watch`: live in a real tmux session against a real 4-rank job (`prov4ml run -n 4`) whose
 * rank 2 sleeps longer per step; `--once` on a run with fixed timestamps and values, asserted whole;
 * and the user mistakes (each one line, non-zero exit).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandWorks, needs } from './support/components.js';
import { CLI, REPO_ROOT, runCommand } from './support/run-dir.js';
import { receivedLogPath } from '@prov4ml/prov-core';
import { writeRankLog, type SyntheticRankSpec } from './support/watch-logs.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/watch-steps.mjs');
const STEPS = 150;

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Captures the pane until `done(screen)` holds; fails with the last screen after `timeoutMs`. */
async function captureUntil(session: string, done: (screen: string) => boolean, what: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    // -J joins lines the terminal wrapped (the summary's sentences may be longer than the pane).
    screen = tmux('capture-pane', '-p', '-J', '-t', session);
    if (done(screen)) return screen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not appear; last screen:\n${screen}`);
}

test('watch in tmux: a real 4-rank job, rank 2 flagged straggler with its node and the metrics\' last values; exits 0 with the summary at finalisation', needs('tmux', commandWorks('tmux', ['-V'])), async () => {
  const work = mkdtempSync(join(tmpdir(), 'prov4ml-watch-'));
  const saveDir = join(work, 'prov');
  const session = `prov4ml-watch-${process.pid}`;
  const job = spawn(process.execPath, [CLI, 'run', '-n', '4', '--', process.execPath, FIXTURE], {
    cwd: REPO_ROOT,
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, STEPS: String(STEPS), SLOW_RANK: '2', SLOW_MS: '150', STEP_MS: '30' },
    stdio: 'ignore',
  });
  const jobExit = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
  try {
    while (!existsSync(join(saveDir, 'watch_0'))) await new Promise((resolve) => setTimeout(resolve, 100));
    // On the save directory: the picker lists the run, Enter watches it.
    const command = `${process.execPath} ${CLI} watch ${saveDir}; echo "watch exited $?"; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
    await captureUntil(session, (screen) => /> +1 +watch_0 +running/.test(screen), 'the run list');
    tmux('send-keys', '-t', session, 'Enter');
    const live = await captureUntil(session, (screen) => screen.includes(`straggler: rank 2 on ${hostname()}`) && / 2 \S+ +straggler /.test(screen), 'the straggler flag');
    console.log(`live screen (tmux 100×30):\n${live}`);
    const final = await captureUntil(session, (screen) => screen.includes('watch exited'), 'watch\'s exit');
    console.log(`final screen (tmux 100×30):\n${final}`);
    assert.equal(await jobExit, 0);
    assert.match(final, /watch exited 0/);
    assert.match(final, /^prov4ml watch {2}watch_0 {2}finalised after \d\d:\d\d:\d\d {2}4 ranks on 1 node {2}job local-/m);
    assert.match(final, new RegExp(`^straggler: rank 2 on ${hostname()}, [0-9.]+ steps/s, \\d+ % below the median [0-9.]+ \\(threshold 20 %\\)$`, 'm'));
    assert.equal(final.match(/^straggler:/gm)?.length, 1, 'only rank 2 is a straggler');
    // The last values: loss = 1/STEPS + rank, acc = (STEPS - 1)/STEPS, in 4 significant digits.
    for (let rank = 0; rank < 4; rank++) {
      const row = new RegExp(`^ {3}${rank} ${hostname().slice(0, 9)}\\S* +exit 0 .* ${Number((1 / STEPS + rank).toPrecision(4))} .* ${Number(((STEPS - 1) / STEPS).toPrecision(4))} `, 'm');
      assert.match(final, row, `rank ${rank}'s row`);
    }
    assert.match(final, /^total {2}0 running, 4 ended {2}/m);
    // Ranks compared, over the whole run: rank 2 is the one straggler, by its median step time.
    assert.match(final, new RegExp(`^ {2}Stragglers \\(median step time more than 20 % above the median of ranks, [0-9.]+ ms\\): rank 2 \\(${hostname()}\\) [0-9.]+ ms \\(\\+[0-9.]+ %\\)\\.$`, 'm'));
    assert.match(final, /^ {2}Ended abnormally: none of 4 rank\(s\)\.$/m);
    assert.match(final, new RegExp(`^job finalised: ${saveDir}/watch_0/prov_collection.json$`, 'm'));
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session]);
    job.kill();
  }
});

/** Two nodes; rank 1 exits 1; rank 3 steps at half the others' rate. */
const SYNTHETIC: readonly SyntheticRankSpec[] = [
  { rank: 0, host: 'node-a', stepMs: 100, stepsPerFrame: 10, exitCode: 0, energyJ: 1500, co2G: 0.25 },
  { rank: 1, host: 'node-a', stepMs: 100, stepsPerFrame: 10, exitCode: 1, energyJ: 1400, co2G: 0.2 },
  { rank: 2, host: 'node-b', stepMs: 100, stepsPerFrame: 10, exitCode: 0, energyJ: 1600, co2G: 0.3 },
  { rank: 3, host: 'node-b', stepMs: 200, stepsPerFrame: 10, exitCode: 0, energyJ: 3000, co2G: 0.5 },
];

function syntheticRun(): string {
  const runDir = join(mkdtempSync(join(tmpdir(), 'prov4ml-watch-once-')), 'exp_0');
  mkdirSync(runDir);
  for (const spec of SYNTHETIC) writeRankLog(runDir, spec, SYNTHETIC.length, 10);
  return runDir;
}

test('watch --once on a finished run with fixed timestamps and values: the whole text', async () => {
  const runDir = syntheticRun();
  // The real finalisation of those logs writes the collection: the job is finalised.
  const merged = await runCommand(process.execPath, [CLI, 'merge', runDir, '--quiet']);
  assert.equal(merged.code, 0, merged.stderr);
  const result = await runCommand(process.execPath, [CLI, 'watch', runDir, '--once']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  // Rates over each rank's own timestamps, from its first point to its last: 99 steps and 202 points
  // (the carbon samples count) in 9.9 s, rank 3 in 19.8 s. Sparklines: 10 cells of 10 steps' means.
  // Ranks compared: every step 100 ms apart (rank 3: 200 ms).
  assert.equal(result.stdout, [
    'prov4ml watch  exp_0  finalised after 00:00:20  4 ranks on 2 nodes  job slurm-4242.0',
    'rank node       state       pts/s step/s                 loss                  acc   energy      CO2',
    '   0 node-a     exit 0         20     10 █▂▁▁▁▁▁▁▁▁      0.01 ▁▁▂▃▄▅▆▇██     0.099   1.5 kJ   0.25 g',
    '   1 node-a     exit 1         20     10 █▂▁▁▁▁▁▁▁▁      1.01 ▁▁▂▃▄▅▆▇██     0.099   1.4 kJ    0.2 g',
    '   2 node-b     exit 0         20     10 █▂▁▁▁▁▁▁▁▁      2.01 ▁▁▂▃▄▅▆▇██     0.099   1.6 kJ    0.3 g',
    '   3 node-b     exit 0         10    5.0 █▂▁▁▁▁▁▁▁▁      3.01 ▁▁▂▃▄▅▆▇██     0.099     3 kJ    0.5 g',
    'ended abnormally: rank 1 on node-a, exited 1',
    'straggler: rank 3 on node-b, 5.0 steps/s, 50 % below the median 10 (threshold 20 %)',
    'total  0 running, 4 ended  808 points  0.0 points/s  energy 7.5 kJ  CO2 1.25 g',
    'Ranks compared (the whole run so far)',
    '  Slowest: rank 3 (node-b), median step 200 ms; fastest: rank 0 (node-a), 100 ms; ratio 2.',
    '  Stragglers (median step time more than 20 % above the median of ranks, 100 ms): rank 3 (node-b) 200 ms (+100 %).',
    '  Ended abnormally: rank 1 (node-a): exited 1.',
    `job finalised: ${runDir}/prov_collection.json`,
    '',
  ].join('\n'));
});

test('watch in tmux on a running job: a silent rank and one never heard from are flagged; a resize redraws to the new width; q quits and restores the terminal', needs('tmux', commandWorks('tmux', ['-V'])), async () => {
  const runDir = join(mkdtempSync(join(tmpdir(), 'prov4ml-watch-live-')), 'exp_0');
  mkdirSync(runDir);
  const running = SYNTHETIC.slice(0, 3).map((spec) => ({ ...spec, exitCode: null }));
  for (const spec of running) writeRankLog(runDir, spec, SYNTHETIC.length, 10);
  // Rank 1 was last heard 60 s ago; ranks 0 and 2 are dated ahead, so they stay running however slow this
  // machine is; rank 3 never sent a frame.
  const now = Date.now() / 1000;
  utimesSync(receivedLogPath(runDir, 1), now - 60, now - 60);
  for (const rank of [0, 2]) utimesSync(receivedLogPath(runDir, rank), now + 600, now + 600);
  const session = `prov4ml-watch-q-${process.pid}`;
  const command = `${process.execPath} ${CLI} watch ${runDir} --interval 200; echo "watch exited $?"; stty -a | grep -q ' icanon' && echo "terminal cooked"; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
  try {
    const wide = await captureUntil(session, (screen) => screen.includes('silent: rank 1 on node-a'), 'the silent flag');
    assert.match(wide, /^not heard from yet: rank 3$/m);
    assert.match(wide, /^silent: rank 1 on node-a, no frame for 6\d s \(heartbeat 5 s\)$/m);
    assert.match(wide, /^ {3}1 node-a +silent 6\ds /m);
    assert.match(wide, /^ {3}0 node-a +running .*▁/m, 'sparklines at 100 columns');
    assert.match(wide, /^total {2}2 running, 1 silent, 0 ended {2}606 points {2}41 points\/s {2}energy 4\.5 kJ {2}CO2 0\.75 g$/m);
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    const narrow = await captureUntil(session, (screen) => !screen.includes('▁') && screen.includes('silent: rank 1'), 'the 80-column redraw');
    console.log(`80×24 after the resize:\n${narrow}`);
    const lines = narrow.split('\n');
    assert.ok(lines.every((line) => [...line].length <= 80), 'every line fits 80 columns');
    assert.match(narrow, /^rank node +state +pts\/s step\/s +loss +acc +energy +CO2$/m);
    tmux('send-keys', '-t', session, 'q');
    const after = await captureUntil(session, (screen) => screen.includes('terminal cooked'), 'the restored terminal');
    assert.match(after, /watch exited 0/);
    assert.doesNotMatch(after, /rank node/, 'the alternate screen is gone');
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session]);
  }
});

test('watch --once on a save directory lists its runs, running first', async () => {
  const finished = syntheticRun();
  const saveDir = join(finished, '..');
  const merged = await runCommand(process.execPath, [CLI, 'merge', finished, '--quiet']);
  assert.equal(merged.code, 0, merged.stderr);
  const running = join(saveDir, 'exp_1');
  for (const spec of SYNTHETIC.slice(0, 3)) writeRankLog(running, { ...spec, exitCode: null }, SYNTHETIC.length, 10);
  // Dated: the finished run's logs an hour ago, the running one's ahead (it stays running however slow this machine is).
  const now = Date.now() / 1000;
  for (const rank of [0, 1, 2, 3]) utimesSync(receivedLogPath(finished, rank), now - 3600, now - 3600);
  for (const rank of [0, 1, 2]) utimesSync(receivedLogPath(running, rank), now + 600, now + 600);
  const result = await runCommand(process.execPath, [CLI, 'watch', saveDir, '--once']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, [
    `prov4ml watch  ${saveDir}: 2 runs (running first, then newest)`,
    '    #  run    state      ranks  last frame',
    '    1  exp_1  running        3  0s ago',
    '    2  exp_0  finalised      4  60m ago',
    '',
  ].join('\n'));
});

test('watch bad input: one line naming the path or option, non-zero exit, no stack', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'prov4ml-watch-bad-'));
  const file = join(empty, 'notes.txt');
  writeFileSync(file, 'x');
  const runDir = syntheticRun();
  const cases: [string[], RegExp][] = [
    [[join(empty, 'missing'), '--once'], /^prov4ml: watch: \S+missing: no such directory\n$/],
    [[file, '--once'], /^prov4ml: watch: \S+notes\.txt: no such directory\n$/],
    [[empty, '--once'], /^prov4ml: watch: \S+ is neither a run directory \(no \.aggregator\/, spool\/, aggregator\.endpoint or prov_collection\.json in it\) nor a save directory \(no run directory in it\)\n$/],
    [[runDir, '--once', '--metric', 'loss,lsos'], /^prov4ml: watch: --metric lsos: no such metric in \S+exp_0 \(it has loss, acc, energy_consumed, emissions\)\n$/],
    [[runDir, '--once', '--straggler-threshold', '1.5'], /^prov4ml: watch: --straggler-threshold must be a fraction between 0 and 1 .*, not 1\.5\n$/],
    [[runDir, '--interval', '5'], /^prov4ml: watch: --interval must be between 50 and 60000 ms, not 5\n$/],
    [[runDir], /^prov4ml: watch: needs a terminal on stdin and stdout; use --once for one frame as plain text\n$/],
  ];
  for (const [args, message] of cases) {
    const result = await runCommand(process.execPath, [CLI, 'watch', ...args]);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stdout, '');
  }
});
