/** A run's csv_separator: its metric CSVs are written with it (header and rows) and every reader reads it back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEnvelope, encodeFrame, type Envelope } from '@prov4ml/prov-core';
import { mergeRunDir } from '@prov4ml/aggregator';
import { readMetricCsv } from '../../../test/support/run-dir.js';
import { csvHeader, formatCsvRows, separatorOfHeader } from '../src/metric-files/csv-format.js';
import { forEachMetricCsvPoint } from '../../report/src/metric-csv.js';
import { expectedCsv, rankEnvelopes, temporaryRunDir } from './support.js';

/** Enough points per frame that chunks go through the formatter pool as well as inline. */
const POINTS_PER_FRAME = 10_000;
const FRAMES = 3;
const POINTS = POINTS_PER_FRAME * FRAMES;

test('the header names the separator, and only a header of ours gives one back', () => {
  assert.equal(csvHeader(';'), 'step;value;timestamp_ms\n');
  assert.deepEqual([',', ';', '\t', '|', ' '].map((s) => separatorOfHeader(csvHeader(s).slice(0, -1))), [',', ';', '\t', '|', ' ']);
  for (const line of ['step,value,timestamp_ms,', 'step;value,timestamp_ms', 'stepxvaluextimestamp_ms', 'step', '', 'step.value.timestamp_ms']) {
    assert.equal(separatorOfHeader(line), null, JSON.stringify(line));
  }
});

test('rows carry the separator byte between their three cells', () => {
  const text = (separator: string) => Buffer.from(formatCsvRows(Float64Array.of(0, 1), Float64Array.of(-1.5, Number.NaN), Float64Array.of(5, 6), separator));
  assert.equal(text(';').toString('latin1'), '0;-1.5;5\n1;NaN;6\n');
  const tab = text('\t');
  assert.deepEqual([...tab.subarray(0, 9)], [0x30, 0x09, 0x2d, 0x31, 0x2e, 0x35, 0x09, 0x35, 0x0a]);
});

for (const [label, separator] of [['semicolon', ';'], ['tab', '\t']] as const) {
  test(`a run whose rank 0 asked for ${label}: its CSVs use it byte for byte, rank 1's keep the comma, and the readers read both`, async () => {
    const runDir = temporaryRunDir();
    mkdirSync(join(runDir, 'spool'));
    for (const rank of [0, 1]) {
      const envelopes = rankEnvelopes('local-sep', 2, runDir, { rank, sender: `sender${rank}`, pointsPerFrame: POINTS_PER_FRAME, frames: FRAMES });
      if (rank === 0) withSeparator(envelopes, separator);
      writeFileSync(join(runDir, `spool/GR${rank}-sender${rank}.spool`), Buffer.concat(envelopes.map((e) => encodeFrame(encodeEnvelope(e)))));
    }
    await mergeRunDir(runDir);
    for (const [rank, expected] of [[0, separator], [1, ',']] as const) {
      const path = join(runDir, `metrics/loss_TRAINING_GR${rank}.csv`);
      const bytes = readFileSync(path);
      assert.equal(bytes[4], expected.charCodeAt(0), `rank ${rank} header separator byte`);
      assert.equal(bytes.toString('utf8'), expectedCsv(rank, 0, POINTS).replaceAll(',', expected), `rank ${rank} loss, byte for byte`);
      let points = 0;
      let lastStep = -1;
      await forEachMetricCsvPoint(path, (step) => {
        points += 1;
        lastStep = step;
      });
      assert.deepEqual([points, lastStep], [POINTS, POINTS - 1], `report reader, rank ${rank}`);
      const read = readMetricCsv(path);
      assert.deepEqual([read.rows, read.steps.at(-1)], [POINTS, POINTS - 1], `test reader, rank ${rank}`);
    }
    const document = JSON.parse(readFileSync(join(runDir, 'prov_exp_GR0.json'), 'utf8')) as { activity: Record<string, Record<string, unknown>> };
    assert.equal(document.activity['exp_0_GR0.execution']!['prov-ml:csv_separator'], separator);
  });
}

test('a CSV whose header is not ours is refused naming it', async () => {
  const runDir = temporaryRunDir();
  const path = join(runDir, 'odd.csv');
  writeFileSync(path, 'step,value;timestamp_ms\n0,1;2\n');
  await assert.rejects(forEachMetricCsvPoint(path, () => undefined), (error: Error) => error.message.startsWith(`${path}: expected the header "step,value,timestamp_ms" (or with another separator)`));
});

/** Sets the rank's run config's csvSeparator, as its start_run(csv_separator=…) would. */
function withSeparator(envelopes: Envelope[], separator: string): void {
  for (const envelope of envelopes) {
    for (const record of envelope.records) if (record.kind === 'run_config') record.csvSeparator = separator;
  }
}
