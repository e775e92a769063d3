/**
 * Keeps background indexing polite: work runs in short slices, and after each slice the indexer sleeps long enough
 * that it uses at most `dutyCycle` of one core, yielding the event loop so the editor (and completion requests)
 * always get their turn. Work is measured in CPU time (`process.cpuUsage`), not wall time: on a busy machine a slice
 * takes longer on the wall clock without using more of the CPU, and counting that wait as work would make the index
 * sleep for other programs' load. Pure: no `vscode` import.
 */

export interface ThrottleOptions {
  /** Share of one core the work may take, 0–1. */
  readonly dutyCycle: number;
  /** CPU time of work between two sleeps. */
  readonly sliceMs: number;
}

export const defaultThrottle: ThrottleOptions = { dutyCycle: 0.5, sliceMs: 12 };

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export class Throttle {
  private sliceStart = cpuMs();
  /** Time spent asleep, for the figures. */
  sleptMs = 0;

  constructor(private readonly options: ThrottleOptions = defaultThrottle) {}

  /** Call between units of work: yields, and sleeps when the current slice is used up. Rejects when aborted. */
  async pause(signal?: AbortSignal): Promise<void> {
    const worked = cpuMs() - this.sliceStart;
    if (worked >= this.options.sliceMs && this.options.dutyCycle < 1) {
      const sleep = (worked * (1 - this.options.dutyCycle)) / this.options.dutyCycle;
      this.sleptMs += sleep;
      await new Promise<void>((resolve) => setTimeout(resolve, sleep));
      this.sliceStart = cpuMs();
    } else {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    signal?.throwIfAborted();
  }
}
