// page.evaluate callbacks run in the browser and use its globals (getComputedStyle).
/// <reference lib="dom" />
/**
 * `prov4ml report` looked at in a real browser (Debian's chromium driven by playwright-core): the page
 * of a real 4-rank run and of the original's G1 files opens without console errors or network
 * requests, each plot has one line per rank that logged the metric, the log toggle and the hover work.
 * Screenshots are written to test-output/ as artifacts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '@prov4ml/report';
import { CHROMIUM, CHROMIUM_ARGS, openPageFile, type OpenedPage } from './support/browser.js';
import { needs } from './support/components.js';
import { CLI, REPO_ROOT, onlyRunDir, runCommand } from './support/run-dir.js';

const OUTPUT_DIR = join(REPO_ROOT, 'test-output');
const G1_DIR = join(REPO_ROOT, 'packages/report/test/fixtures/report-original/g1_experiment_name');

describe('the report in headless chromium', needs('chromium', existsSync(CHROMIUM)), () => {
  let browser: Browser;
  const temporary: string[] = [];

  before(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });

  const open = (file: string): Promise<OpenedPage> => openPageFile(browser, file);

  /** Metric and context of each plot, with its number of lines on the linear axis. */
  function plotLines(page: Page): Promise<{ plot: string; lines: number }[]> {
    return page.$$eval('figure.plot', (figures) => figures.map((figure) => ({
      plot: `${figure.querySelector('.metric')?.textContent} ${figure.querySelector('.context')?.textContent}`,
      lines: figure.querySelectorAll('svg.chart .scale-linear path.line').length,
    })));
  }

  test('a real 4-rank run: no console errors, no requests, one line per rank that logged each metric', async () => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-report-browser-'));
    temporary.push(saveDir);
    const run = await runCommand(process.execPath, [CLI, 'run', '-n', '4', '--', process.execPath, join(REPO_ROOT, 'examples/train.mjs')], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, TRAIN_EPOCHS: '3' },
      timeoutMs: 180_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const runDir = onlyRunDir(saveDir);
    // Not a terminal: no progress bar on stderr, one summary line on stdout.
    const report = await runCommand(process.execPath, [CLI, 'report', runDir]);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.stderr, '');
    assert.match(report.stdout, /report\.html: \d+ bytes; 4 rank\(s\), \d+ plot\(s\)/);

    const expected = expectedLines(join(runDir, 'metrics'));
    const { page, consoleErrors, requests } = await open(join(runDir, 'report.html'));
    const plots = await plotLines(page);
    assert.deepEqual(Object.fromEntries(plots.map(({ plot, lines }) => [plot, lines])), expected);
    assert.equal(expected['loss TRAINING'], 4);
    assert.equal(expected['val_loss VALIDATION'], 4);

    const loss = page.locator('figure.plot').first();
    assert.equal(await loss.locator('.scale-log').evaluate((element) => getComputedStyle(element).display), 'none');
    await loss.locator('label', { hasText: 'log scale' }).click();
    assert.equal(await loss.locator('.scale-linear').evaluate((element) => getComputedStyle(element).display), 'none');
    assert.equal(await loss.locator('.scale-log path.line').count(), 4);
    await loss.locator('label', { hasText: 'log scale' }).click();

    const chart = loss.locator('svg.chart');
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    assert.ok(box !== null);
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.4);
    const tooltip = loss.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const text = await tooltip.innerText();
    assert.match(text, /^step \d+/);
    assert.equal(text.match(/rank \d/g)?.length, 4, text);
    await loss.screenshot({ path: join(OUTPUT_DIR, 'report-plot-hover.png') });
    await loss.locator('.legend li').nth(1).hover();
    assert.equal(await chart.evaluate((element) => element.classList.contains('focus')), true);
    await page.mouse.move(0, 0);
    assert.equal(await chart.evaluate((element) => element.classList.contains('focus')), false);

    assert.equal(await page.locator('details.graph').count(), 4);
    assert.equal(await page.locator('details.graph[open] .graph-view svg').count(), 1);
    await page.screenshot({ path: join(OUTPUT_DIR, 'report-run.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    await page.close();
  });

  test("the original's G1 files: no console errors, no requests, twenty one-line plots", async () => {
    const outputDir = mkdtempSync(join(tmpdir(), 'prov4ml-report-g1-'));
    temporary.push(outputDir);
    const { output } = await writeReport(G1_DIR, { output: join(outputDir, 'report.html') });
    const { page, consoleErrors, requests } = await open(output);
    const plots = await plotLines(page);
    assert.equal(plots.length, 20);
    assert.ok(plots.every(({ lines }) => lines === 1));
    assert.equal(await page.locator('.card-sub.warn').innerText(), "the original yProvML logged energy_consumed under the name 'emissions': this is energy, not CO2");
    await page.screenshot({ path: join(OUTPUT_DIR, 'report-g1.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    await page.close();
  });
});

/** `<metric> <CONTEXT>` → how many ranks have a CSV for it: what each plot must draw. */
function expectedLines(metricsDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of readdirSync(metricsDir)) {
    const match = /^(.+)_([A-Z][A-Za-z0-9_-]*)_GR\d+\.csv$/.exec(name);
    if (match === null) continue;
    const key = `${match[1]} ${match[2]}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
