import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shutdownNotice, type ShutdownReport } from '../src/rank/shutdown-report.js';

const undelivered: ShutdownReport = {
  runDir: '/save/exp_0', spoolPath: '/save/exp_0/spool/GR3-s.spool', delivered: false, finalized: false, hosted: false, spoolFailure: undefined, droppedFrames: 0,
};

test('a rank the aggregator never accepted names the open-file limit as the likely cause, the spool and the merge command', () => {
  assert.equal(
    shutdownNotice({ ...undelivered, aggregatorReached: false }),
    "the aggregator never accepted this rank's connection (an aggregator past its open-file limit, `ulimit -n`, accepts no more ranks: its log says how many it takes; " +
      'or it is not running); nothing is lost: the records are in /save/exp_0/spool/GR3-s.spool. After the job, run: prov4ml merge /save/exp_0',
  );
  // Accepted, then unconfirmed: the general notice.
  assert.match(shutdownNotice({ ...undelivered, aggregatorReached: true }) ?? '', /^the aggregator did not confirm every record; nothing is lost/);
  assert.equal(shutdownNotice({ ...undelivered, delivered: true, aggregatorReached: false }), null);
});
