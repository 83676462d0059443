import { test } from 'node:test';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import assert from 'node:assert/strict';
import { NO_PROGRESS, PROGRESS_REDRAW_INTERVAL_MS, progressBar, type ProgressStream } from '@prov4ml/aggregator';
import { buildReport } from '../src/index.js';
import { writeRunFixture } from './report-fixture.js';

class RecordingStream implements ProgressStream {
  readonly writes: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns = 80) {}
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

test('no bar when the stream is not a terminal, or with quiet', () => {
  for (const [stream, quiet] of [[new RecordingStream(false), false], [new RecordingStream(true), true]] as const) {
    const bar = progressBar({ stream, label: 'report', quiet });
    assert.equal(bar, NO_PROGRESS);
    bar.addTotal(3);
    bar.advance('a');
    bar.finish();
    assert.deepEqual(stream.writes, []);
  }
});

test('on a terminal: redrawn in place, throttled, always drawn at the end, cleared by finish', () => {
  const stream = new RecordingStream(true, 60);
  let now = 0;
  const bar = progressBar({ stream, label: 'report', now: () => now });
  bar.addTotal(4);
  bar.advance('prov_exp_GR0.json');
  now += PROGRESS_REDRAW_INTERVAL_MS - 1;
  bar.advance('skipped: too soon');
  now += 1;
  bar.advance('prov_exp_GR2.json');
  bar.advance('last one is always drawn');
  bar.finish();
  bar.finish();
  assert.deepEqual(stream.writes, [
    '\r\x1b[Kreport [------------------------------] 0/4',
    '\r\x1b[Kreport [#######################-------] 3/4 prov_exp_GR2.j…',
    '\r\x1b[Kreport [##############################] 4/4 last one is al…',
    '\r\x1b[K',
  ]);
  assert.ok(stream.writes.every((line) => line.length - '\r\x1b[K'.length <= 59), 'never wraps a 60-column terminal');
});

test('a terminal that reports 0 columns gets the usual 80, not a stump of a bar', () => {
  const stream = new RecordingStream(true, 0);
  const bar = progressBar({ stream, label: 'merge' });
  bar.addTotal(2);
  bar.advance('spool/GR0-a.spool');
  bar.advance('spool/GR1-b.spool');
  assert.equal(stream.writes.at(-1), '\r\x1b[Kmerge [##############################] 2/2 spool/GR1-b.spool');
});

test('buildReport reports one step per document and per plotted line', async (t) => {
  const dir = await writeRunFixture({ ranks: 3, lossPoints: 100 });
  t.after(() => rmSync(dirname(dir), { recursive: true, force: true }));
  const steps: string[] = [];
  let total = 0;
  await buildReport(dir, { progress: { addTotal: (n) => void (total += n), advance: (detail = '') => void steps.push(detail), finish: () => undefined } });
  assert.equal(total, 3 + 3 * 4);
  assert.equal(steps.length, total);
  assert.deepEqual(steps.slice(0, 3), ['prov_report_exp_GR0.json', 'prov_report_exp_GR1.json', 'prov_report_exp_GR2.json']);
  assert.equal(steps[3], 'loss rank 0');
});
