import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '@prov4ml/prov-core';
import { buildReport, writeReport } from '../src/index.js';
import { FIXTURE_EXPERIMENT, fixtureEmissionsG, fixtureEnergyJ, writeRunFixture } from './report-fixture.js';

const ORIGINAL_DATA = new URL('./fixtures/report-original/', import.meta.url).pathname;
const G1_DIR = join(ORIGINAL_DATA, 'g1_experiment_name');
const G3_FILE = join(ORIGINAL_DATA, 'g3_prov_mnist_exp_GR0_0.json');
const FIXED_TIME = Date.UTC(2026, 10, 27);
const MAX_REPORT_BYTES = 5 * 1024 * 1024;

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dirname(dir), { recursive: true, force: true });
});

async function fixture(options: Parameters<typeof writeRunFixture>[0]): Promise<string> {
  const dir = await writeRunFixture(options);
  made.push(dir);
  return dir;
}

/** The inline `<svg class="chart">` elements of a page, each with its linear-scale lines. */
function plotLines(html: string): { caption: string; lines: number }[] {
  return [...html.matchAll(/<figure class="plot"[^>]*>([\s\S]*?)<\/figure>/g)].map(([, body]) => {
    const linear = /<g class="scale-linear">([\s\S]*?)<\/g><\/g>/.exec(body as string)?.[1] ?? '';
    return {
      caption: /<span class="metric">([^<]*)<\/span>/.exec(body as string)?.[1] ?? '',
      lines: (linear.match(/<path class="line"/g) ?? []).length,
    };
  });
}

test('a run directory of 4 ranks: summary, totals, exit status, parameters, one line per rank in each plot, graphs', async () => {
  const dir = await fixture({ ranks: 4, lossPoints: 3_000, killedRank: 2, nonFinite: true });
  const report = await buildReport(dir, { generatedMs: FIXED_TIME });
  const { html } = report;
  assert.equal(report.rankCount, 4);
  assert.deepEqual(plotLines(html), [
    { caption: 'loss', lines: 4 },
    { caption: 'val_loss', lines: 4 },
    { caption: 'energy_consumed', lines: 4 },
    { caption: 'emissions', lines: 4 },
  ]);
  assert.equal(report.lineCount, 16);
  for (const fact of [`<dd>${FIXTURE_EXPERIMENT}</dd>`, '<dt>Run id</dt><dd>0</dd>', '<dd>local-report-fixture</dd>', '<dt>Launcher</dt><dd>local</dd>', '<dt>User</dt><dd>alice</dd>', '<dt>Ranks</dt><dd>4</dd>', 'node0 <span class="muted">(rank 0-3)</span>', '2026-11-26 09:00:00 UTC', '<dt>Duration</dt><dd>1 min 03 s</dd>']) {
    assert.ok(html.includes(fact), fact);
  }
  assert.match(html, /<dt>Exit status<\/dt><dd><span class="bad">rank 2: killed by SIGKILL<\/span>/);
  assert.equal((html.match(/<td class="good">exited 0<\/td>/g) ?? []).length, 3);
  // Energy and CO2 are each rank's last cumulative value, summed: 1000+2000+3000+4000 J, 0.25+…+1 g.
  const energy = [0, 1, 2, 3].reduce((sum, rank) => sum + fixtureEnergyJ(rank), 0);
  const emissions = [0, 1, 2, 3].reduce((sum, rank) => sum + fixtureEmissionsG(rank), 0);
  assert.ok(html.includes(`<div class="card-value">${energy} <span class="unit">J</span></div><div class="card-sub">0.002778 kWh</div>`));
  assert.ok(html.includes(`<div class="card-value">${emissions} <span class="unit">gCO2eq</span></div>`));
  // A parameter every rank shares is shown once; one that differs, per rank.
  assert.ok(html.includes('<td><code>learning_rate</code></td><td>0.05</td>'));
  assert.ok(html.includes('<span class="per-rank">rank 3: 12348</span>'));
  assert.match(html, /<td><code>loss<\/code><\/td><td>MIN<\/td>/);
  // NaN and INF are real values: counted in the legend, not drawn.
  assert.equal((html.match(/2 non-finite/g) ?? []).length, 4);
  assert.equal((html.match(/<details class="graph"/g) ?? []).length, 4);
  assert.equal((html.match(/<div class="graph-view"><svg/g) ?? []).length, 4);
});

test('the page asks for nothing outside itself', async () => {
  const dir = await fixture({ ranks: 2, lossPoints: 500 });
  const { html } = await buildReport(dir);
  assert.doesNotMatch(html, /\s(src|href|xlink:href|action|poster|srcset)\s*=/i);
  assert.doesNotMatch(html, /url\(\s*['"]?(https?:|\/\/)/i);
  assert.doesNotMatch(html, /@import|<link\b|<iframe\b|<img\b/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('64 ranks × 100,000 points: the page stays under 5 MB and every rank is a line', { timeout: 300_000 }, async () => {
  const dir = await fixture({ ranks: 64, lossPoints: 100_000 });
  const { output, html, lineCount } = await writeReport(dir, {});
  const bytes = readFileSync(output).length;
  assert.equal(output, join(dir, 'report.html'));
  assert.ok(bytes <= MAX_REPORT_BYTES, `${bytes} bytes`);
  assert.equal(plotLines(html)[0]?.lines, 64);
  assert.equal(lineCount, 4 * 64);
});

test('the original G1 run directory: inline value lists plotted, final statistics, the emissions caveat', async () => {
  const { html, plotCount, notes } = await buildReport(G1_DIR);
  assert.equal(plotCount, 20);
  assert.deepEqual(notes, []);
  const mseTrain = plotLines(html).find((plot) => plot.caption === 'MSE_train');
  assert.equal(mseTrain?.lines, 1);
  assert.ok(html.includes('<dt>Experiment</dt><dd>experiment_name</dd>'));
  assert.ok(html.includes('<td><code>optimizer</code></td><td>Adam</td>'));
  assert.match(html, /<td><code>MSE_test<\/code><\/td><td>—<\/td><td class="num">0\.452964<\/td>/);
  assert.ok(html.includes('this is energy, not CO2'));
  assert.ok(html.includes('(unit not recorded)'));
});

test('a G1/G2 document without inline lists reads its tmp side file; one with neither is a note', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-report-g2-'));
  made.push(join(dir, 'x'));
  const doc = JSON.parse(readFileSync(join(G1_DIR, 'provgraph_experiment_name.json'), 'utf8')) as { entity: Record<string, Record<string, string>> };
  for (const id of ['MSE_train_Context.TRAINING', 'gpu_power_Context.TRAINING']) {
    for (const key of ['prov-ml:metric_epoch_list', 'prov-ml:metric_value_list', 'prov-ml:metric_timestamp_list']) delete doc.entity[id]?.[key];
  }
  writeFileSync(join(dir, 'provgraph_experiment_name.json'), JSON.stringify(doc));
  mkdirSync(join(dir, 'tmp'));
  copyFileSync(join(G1_DIR, 'tmp', 'MSE_train_Context.TRAINING_GR0.txt'), join(dir, 'tmp', 'MSE_train_Context.TRAINING_GR0.txt'));
  const { html, notes, plotCount } = await buildReport(dir);
  assert.equal(plotCount, 19);
  assert.equal(plotLines(html).find((plot) => plot.caption === 'MSE_train')?.lines, 1);
  assert.ok(html.includes('rank 0 · 6 points · last 0.4865'), 'six points read from the side file');
  assert.deepEqual(notes, ['gpu_power_Context.TRAINING: no inline values and no side file tmp/gpu_power_Context.TRAINING_GR0.txt (or .csv)']);
});

test('a single G3 file: its missing side files are notes, the rest of the page is there', async () => {
  const { html, notes, plotCount, rankCount } = await buildReport(G3_FILE);
  assert.equal(rankCount, 1);
  assert.equal(plotCount, 0);
  assert.equal(notes.length, 10);
  assert.match(notes[0] as string, /param_batch_size \(TRAINING\): side file .*param_batch_size_Context\.TRAINING_GR0\.nc not found/);
  assert.ok(html.includes('<dt>Experiment</dt><dd>mnist_exp_GR0_0</dd>'));
  assert.ok(html.includes('<dt>User</dt><dd>deniztas</dd>'));
  assert.ok(html.includes('<td><code>execution_start_time</code></td><td>1760967802.1765888</td>'));
  assert.ok(html.includes('yProvML G3'));
});

test('a G3 side file that exists is plotted, or named as netCDF when it is one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-report-g3-'));
  made.push(join(dir, 'x'));
  const text = readFileSync(G3_FILE, 'utf8').replaceAll('MSE_train_Context.TRAINING_GR0.nc', 'MSE_train_Context.TRAINING_GR0.csv');
  writeFileSync(join(dir, 'prov_mnist_exp_GR0_0.json'), text);
  mkdirSync(join(dir, 'metrics'));
  writeFileSync(join(dir, 'metrics', 'MSE_train_Context.TRAINING_GR0.csv'), 'MSE_train,Context.TRAINING,LoggingItemKind.METRIC\n0,0.9,1\n1,0.5,2\n2,nan,3\n');
  writeFileSync(join(dir, 'metrics', 'cpu_usage_Context.TRAINING_GR0.nc'), 'CDF\u0001');
  const { html, notes } = await buildReport(join(dir, 'prov_mnist_exp_GR0_0.json'));
  assert.deepEqual(plotLines(html), [{ caption: 'MSE_train', lines: 1 }]);
  assert.ok(html.includes('rank 0 · 3 points · last NaN · min 0.5 · max 0.9 · 1 NaN and 0 ±INF not drawn'));
  assert.ok(notes.some((note) => note.includes('cpu_usage (TRAINING): side file examples/prov/mnist_exp_0/metrics/cpu_usage_Context.TRAINING_GR0.nc is netCDF')));
  assert.equal(notes.length, 9);
});

test('user mistakes are one-line UserErrors naming the path', async () => {
  const missing = join(tmpdir(), 'prov4ml-no-such-run');
  await assert.rejects(buildReport(missing), (error: unknown) => error instanceof UserError && error.message === `${missing}: no such file or directory`);
  const empty = mkdtempSync(join(tmpdir(), 'prov4ml-report-empty-'));
  made.push(join(empty, 'x'));
  await assert.rejects(buildReport(empty), (error: unknown) => error instanceof UserError && error.message.startsWith(`${empty}: no per-rank PROV-JSON documents here`));
  const dir = await fixture({ ranks: 1, lossPoints: 10 });
  const output = join(dir, 'no-such-dir', 'r.html');
  await assert.rejects(writeReport(dir, { output }), (error: unknown) => error instanceof UserError && error.message === `--output ${output}: cannot write: ENOENT`);
});

test('a broken or missing metric file is a note; the other ranks\' lines are still drawn', async () => {
  const dir = await fixture({ ranks: 3, lossPoints: 10 });
  writeFileSync(join(dir, 'metrics', 'loss_TRAINING_GR0.csv'), 'step,value,timestamp_ms\n0,1,5\n1,oops,6\n');
  rmSync(join(dir, 'metrics', 'val_loss_VALIDATION_GR2.csv'));
  const { html, notes } = await buildReport(dir);
  assert.deepEqual(notes, [
    `loss (TRAINING) rank 0: not plotted: ${join(dir, 'metrics', 'loss_TRAINING_GR0.csv')} line 3: not a step and a value: "1,oops,6"`,
    `val_loss (VALIDATION) rank 2: not plotted: ${join(dir, 'metrics', 'val_loss_VALIDATION_GR2.csv')}: no such file`,
  ]);
  assert.deepEqual(plotLines(html).slice(0, 2), [{ caption: 'loss', lines: 2 }, { caption: 'val_loss', lines: 2 }]);
  assert.ok(html.includes('<section id="notes">'));
});

test('a metric file named outside the run directory is not read', async () => {
  const dir = await fixture({ ranks: 1, lossPoints: 10 });
  const document = join(dir, `prov_${FIXTURE_EXPERIMENT}_GR0.json`);
  writeFileSync(document, readFileSync(document, 'utf8').replace('"metrics/loss_TRAINING_GR0.csv"', '"../../../etc/passwd"'));
  const { notes, html } = await buildReport(dir);
  assert.equal(notes.length, 1);
  assert.match(notes[0] as string, /: metric file \.\.\/\.\.\/\.\.\/etc\/passwd is outside the run directory$/);
  assert.ok(!html.includes('root:'));
});
