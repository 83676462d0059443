/** The TypeScript API's csvSeparator and disableCodecarbon, in-process and under the wrapper. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, onlyRunDir, runCommand } from '../../../test/support/run-dir.js';

/** Logs three points with a '|' separator and no carbon metrics, and prints what logCarbonMetrics and a bad separator throw. */
const PROGRAM = `
import { Context, endRun, logCarbonMetrics, logMetric, startRun } from '@prov4ml/agent';
const refused = await startRun({ experimentName: 'bad', csvSeparator: '1' }).catch((error) => error);
console.log('bad separator:', refused.constructor.name, refused.message);
await startRun({ experimentName: 'api', provenanceSaveDir: process.env.SAVE_DIR, csvSeparator: '|', disableCodecarbon: true });
for (let step = 0; step < 3; step++) logMetric('loss', step / 2, Context.TRAINING, step);
try { logCarbonMetrics(Context.TRAINING, 0); } catch (error) { console.log('carbon:', error.message); }
await endRun();
`;

for (const wrapped of [false, true]) {
  describe(wrapped ? 'under prov4ml run' : 'in-process', () => {
    it('writes the metric CSV with the separator, records both options, and refuses carbon metrics and a bad separator', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'prov4ml-api-options-'));
      try {
        const program = [process.execPath, '--input-type=module', '-e', PROGRAM];
        const command = wrapped ? [CLI, 'run', '--metrics-interval', '0', '--', ...program] : program.slice(1);
        const result = await runCommand(process.execPath, command, { env: { ...process.env, SAVE_DIR: dir, PROV4ML_PROVENANCE_SAVE_DIR: dir } });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^bad separator: TypeError startRun: csvSeparator is "1", which can occur inside a cell/m);
        assert.match(result.stdout, /^carbon: logCarbonMetrics: the run was started with disableCodecarbon: true$/m);
        const runDir = onlyRunDir(dir);
        assert.equal(readFileSync(join(runDir, 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8').replace(/\|\d+\n/g, '|T\n'), 'step|value|timestamp_ms\n0|0|T\n1|0.5|T\n2|1|T\n');
        const document = JSON.parse(readFileSync(join(runDir, 'prov_api_GR0.json'), 'utf8')) as { activity: Record<string, Record<string, unknown>> };
        const execution = document.activity['api_0_GR0.execution']!;
        assert.deepEqual([execution['prov-ml:csv_separator'], execution['prov-ml:disable_codecarbon']], ['|', true]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
