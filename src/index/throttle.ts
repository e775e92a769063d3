/**
 * Keeps background indexing polite: work runs in short slices, and after each slice the indexer sleeps long enough
 * that it uses at most `dutyCycle` of one core, yielding the event loop so the editor (and completion requests)
 * always get their turn. Work is measured in CPU time (`process.cpuUsage`), not wall time: on a busy machine a slice
 * takes longer on the wall clock without using more of the CPU, and counting that wait as work would make the index
 * sleep for other programs' load. With a {@link Foreground}, it also waits while the user types or a completion
 * request is in flight: the model and the editor come first. Pure: no `vscode` import.
 */
import type { Foreground } from './foreground';

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
  private sliceWallStart = performance.now();
  /** Time spent asleep, for the figures. */
  sleptMs = 0;

  constructor(private readonly options: ThrottleOptions = defaultThrottle, private readonly foreground?: Foreground) {}

  /**
   * Call between units of work: yields, waits while the foreground is busy, and sleeps when the current slice is
   * used up. Rejects when aborted.
   */
  async pause(signal?: AbortSignal): Promise<void> {
    if (this.foreground?.busy === true) {
      await this.foreground.whenIdle(signal);
      // The CPU this process used meanwhile was the foreground's (the completion pipeline runs here too): a new slice.
      this.sliceStart = cpuMs();
      this.sliceWallStart = performance.now();
      return;
    }
    // Reading the CPU clock is a system call (a tenth of a millisecond on a busy machine, and the index pauses after
    // every file): it is read only once a slice's worth of wall time has passed, before which the work cannot have
    // used a slice of CPU on this thread. The sleep is still computed from the CPU time actually used.
    const due = this.options.dutyCycle < 1 && performance.now() - this.sliceWallStart >= this.options.sliceMs;
    const worked = due ? cpuMs() - this.sliceStart : 0;
    if (due && worked >= this.options.sliceMs) {
      const sleep = (worked * (1 - this.options.dutyCycle)) / this.options.dutyCycle;
      this.sleptMs += sleep;
      await new Promise<void>((resolve) => setTimeout(resolve, sleep));
      this.sliceStart = cpuMs();
      this.sliceWallStart = performance.now();
    } else {
      if (due) {
        // A slice of wall time without a slice of CPU (waiting for the disk): look again a slice later.
        this.sliceWallStart = performance.now();
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    signal?.throwIfAborted();
  }
}
