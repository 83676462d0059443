import type { Agent } from './agent.js';

/** Context of the samples the wrapper takes on its own, outside any phase the program names. */
export const RUN_CONTEXT = 'RUN';

/**
 * Takes system and carbon samples of the rank every `intervalMs`, numbering them as steps. The
 * samples run in the agent's process, never on the training program's thread.
 */
export class PeriodicSampler {
  private timer: NodeJS.Timeout | undefined;
  private step = 0;

  constructor(
    private readonly agent: Agent,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.sampleNow(), this.intervalMs);
    this.timer.unref();
  }

  /** One last sample, so that a run shorter than the interval still has one. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sampleNow();
  }

  private sampleNow(): void {
    const step = this.step++;
    this.agent.sample('system', RUN_CONTEXT, step);
    this.agent.sample('carbon', RUN_CONTEXT, step);
  }
}
