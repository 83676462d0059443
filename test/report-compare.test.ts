// page.evaluate callbacks run in the browser and use its globals.
/// <reference lib="dom" />
/**
 * `prov4ml report <save dir> --experiment E`: three real 2-rank runs of one experiment with different
 * learning rates, compared on one page, looked at in headless Chromium (no console errors, no requests, one
 * line per run in each plot, only the parameter that differs listed); a screenshot is written to
 * test-output/ and its path printed. Bad input is one line and a non-zero exit, and writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, openPageFile } from './support/browser.js';
import { needs } from './support/components.js';
import { CLI, REPO_ROOT, runCommand } from './support/run-dir.js';

const OUTPUT_DIR = join(REPO_ROOT, 'test-output');
const EXPERIMENT = 'lr_sweep';
const RATES = ['0.03', '0.1', '0.3'];
const RUNS = RATES.map((_, id) => `${EXPERIMENT}_${id}`);

let saveDir: string;
const temporary: string[] = [];

before(async () => {
  saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-compare-'));
  temporary.push(saveDir);
  for (const rate of RATES) {
    const run = await runCommand(process.execPath, [CLI, 'run', '-n', '2', '--', process.execPath, join(REPO_ROOT, 'test/fixtures/compare-train.mjs')], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, LEARNING_RATE: rate, EXPERIMENT },
      timeoutMs: 180_000,
    });
    assert.equal(run.code, 0, run.stderr);
  }
  assert.deepEqual(readdirSync(saveDir).filter((name) => !name.startsWith('.')).sort(), RUNS);
});

after(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** `<metric> <CONTEXT>` → how many runs have a CSV of it for `rank`: the lines its plot must draw. */
function expectedLines(rank: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const run of RUNS) {
    for (const name of readdirSync(join(saveDir, run, 'metrics'))) {
      const match = /^(.+)_([A-Z][A-Za-z0-9_-]*)_GR(\d+)\.csv$/.exec(name);
      if (match === null || Number(match[3]) !== rank) continue;
      const key = `${match[1]} ${match[2]}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

describe('the comparison page in headless chromium', needs('chromium', existsSync(CHROMIUM)), () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => browser?.close());

  /** The page, and per plot its lines on the linear axis and its legend's labels. */
  async function open(file: string) {
    const { page, consoleErrors, requests } = await openPageFile(browser, file);
    const plots = await page.$$eval('figure.plot', (figures) => figures.map((figure) => ({
      plot: `${figure.querySelector('.metric')?.textContent} ${figure.querySelector('.context')?.textContent}`,
      lines: figure.querySelectorAll('svg.chart .scale-linear path.line').length,
      legend: Array.from(figure.querySelectorAll('.legend li')).map((item) => item.textContent?.replace(/ \S+$/, '') ?? ''),
    })));
    return { page, consoleErrors, requests, plots };
  }

  test('three runs of an experiment: one line per run in each plot, only the parameter that differs, no errors, no requests', async (t) => {
    const report = await runCommand(process.execPath, [CLI, 'report', saveDir, '--experiment', EXPERIMENT]);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.stderr, '');
    const output = join(saveDir, `${EXPERIMENT}_compare.html`);
    assert.match(report.stdout, new RegExp(`^${output.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\d+ bytes; 3 run\\(s\\) compared, 1 parameter\\(s\\) differ, \\d+ plot\\(s\\) with \\d+ line\\(s\\)\\n$`));

    const { page, consoleErrors, requests, plots } = await open(output);
    const expected = expectedLines(0);
    assert.deepEqual(Object.fromEntries(plots.map(({ plot, lines }) => [plot, lines])), expected);
    assert.deepEqual([expected['loss TRAINING'], expected['val_loss VALIDATION']], [3, 3]);
    assert.deepEqual(plots.find(({ plot }) => plot === 'loss TRAINING')?.legend, RUNS);

    const parameterRows = await page.$$eval('#parameters table tr', (rows) => rows.map((row) => Array.from(row.children).map((cell) => cell.textContent)));
    assert.deepEqual(parameterRows, [['parameter', ...RUNS], ['learning_rate', ...RATES]]);
    const runRows = await page.$$eval('#runs table tr', (rows) => rows.slice(1).map((row) => [row.children[0]?.textContent, row.children[1]?.textContent, row.children[6]?.textContent]));
    assert.deepEqual(runRows, RUNS.map((run) => [run, '2', 'all 2 rank(s) ended cleanly']));
    assert.equal(await page.locator('#final-metrics tr').count(), 2);

    const loss = page.locator('figure.plot').filter({ hasText: 'loss' }).first();
    const chart = loss.locator('svg.chart');
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    assert.ok(box !== null);
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
    const tooltip = loss.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    assert.equal((await tooltip.innerText()).match(/lr_sweep_\d/g)?.length, 3);
    await page.mouse.move(0, 0);

    const screenshot = join(OUTPUT_DIR, 'report-compare.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`comparison screenshot: ${screenshot}`);
    process.stdout.write(`# comparison screenshot: ${screenshot}\n`);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    await page.close();
  });

  test('--rank mean: one line per run, the mean of its ranks', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'prov4ml-compare-out-')), 'mean.html');
    temporary.push(join(output, '..'));
    const report = await runCommand(process.execPath, [CLI, 'report', ...RUNS.slice(0, 2).map((run) => join(saveDir, run)), '--rank', 'mean', '-o', output]);
    assert.equal(report.code, 0, report.stderr);
    const { page, consoleErrors, requests, plots } = await open(output);
    const loss = plots.find(({ plot }) => plot === 'loss TRAINING');
    assert.deepEqual(loss, { plot: 'loss TRAINING', lines: 2, legend: RUNS.slice(0, 2).map((run) => `${run} (mean of 2 rank(s))`) });
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    await page.close();
  });
});

describe('comparison: bad input is one line, a non-zero exit, and nothing written', () => {
  const bad = async (args: string[], line: string) => {
    const before = readdirSync(saveDir).sort();
    const result = await runCommand(process.execPath, [CLI, 'report', ...args]);
    assert.deepEqual([result.code, result.stdout, result.stderr], [1, '', `prov4ml: ${line}\n`]);
    assert.deepEqual(readdirSync(saveDir).sort(), before);
  };

  test('a directory that is not a run', async () => {
    const notARun = mkdtempSync(join(tmpdir(), 'prov4ml-not-a-run-'));
    temporary.push(notARun);
    await bad([join(saveDir, RUNS[0] as string), notARun], `${notARun}: no per-rank PROV-JSON documents here (prov_<experiment>_GR<rank>.json, or the original's provgraph_*.json)`);
  });

  test('an experiment with no runs, a save dir that is not there, a rank no run has, a rank that is not one, a rank for one run', async () => {
    await bad([saveDir, '--experiment', 'nope'], `${saveDir}: no runs of experiment "nope" (no nope_<id> directories)`);
    await bad([join(saveDir, 'missing'), '--experiment', EXPERIMENT], `${join(saveDir, 'missing')}: no such directory`);
    await bad([saveDir, '--experiment', EXPERIMENT, '--rank', '7'], `--rank 7: no run has that rank (${RUNS.map((run) => `${run} has 2 rank(s)`).join(', ')})`);
    await bad([saveDir, '--experiment', EXPERIMENT, '--rank', 'all'], `--rank: expected a rank (0, 1, …) or 'mean', got "all"`);
    await bad([join(saveDir, RUNS[0] as string), '--rank', '1'], '--rank: only for a comparison (several run directories, or --experiment)');
  });
});
