import type { EnvelopeRecord } from '@prov4ml/prov-core';
import { NODE_FACTS_TIMEOUT_MS } from '../limits.js';
import { collectNodeFacts, type NodeFactsOptions } from './node-facts.js';

/**
 * Reads the node's facts in the background and submits them as one node record. Resolves once the
 * record is submitted, or after NODE_FACTS_TIMEOUT_MS without it (said once), so a rank's end waits
 * for it but never long.
 */
export function describeNode(agent: { submit(record: EnvelopeRecord): void }, options: NodeFactsOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      options.log(`node facts: not read within ${NODE_FACTS_TIMEOUT_MS} ms; the node is recorded by name only`);
      resolve();
    }, NODE_FACTS_TIMEOUT_MS);
    timer.unref();
  });
  const described = collectNodeFacts(options).then((record) => {
    clearTimeout(timer);
    // Past the timeout the rank may have ended: the record would come after its run end.
    if (!timedOut) agent.submit(record);
  });
  return Promise.race([described, late]);
}
