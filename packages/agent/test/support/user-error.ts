import assert from 'node:assert/strict';
import { isUserError } from '@prov4ml/prov-core';

/** Asserts that `run` throws a one-line UserError whose message contains every part (names, values). */
export function assertUserError(run: () => unknown, ...parts: string[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    for (const part of parts) assert.ok(error.message.includes(part), `${JSON.stringify(error.message)} does not name ${part}`);
    assert.ok(!error.message.includes('\n'), 'the message is one line');
    return true;
  });
}
