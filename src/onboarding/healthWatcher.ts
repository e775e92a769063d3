/**
 * Watches server health without hammering it: while every endpoint is down it re-checks with an exponential
 * back-off (capped); once up it checks rarely; a check on demand (a failed request, the window regaining focus,
 * the user) runs at once and resets the back-off. One timer at most, and checks never overlap.
 * Pure: no `vscode` import; time comes from a {@link Clock}.
 */
import type { Clock, Disposable } from '../util/clock';

/** Options of {@link HealthWatcher}; every delay in milliseconds. */
export interface HealthWatcherOptions {
  /** First retry after a failed check (default 2 s). */
  readonly downInitialMs?: number;
  /** Largest retry delay while down (default 60 s). */
  readonly downMaxMs?: number;
  /** Growth of the delay per failed check (default 2). */
  readonly factor?: number;
  /** Delay between checks while up (default 5 min; 0 = no checks while up). */
  readonly upIntervalMs?: number;
  /** On-demand checks closer together than this share the last result (default 1 s). */
  readonly minGapMs?: number;
}

/** The check to run: resolves true when at least one endpoint answered. */
export type HealthCheck = () => Promise<boolean>;

/** Back-off delay after `failures` consecutive failed checks (1 = the first failure). */
export function backoffDelayMs(failures: number, options: HealthWatcherOptions = {}): number {
  const initial = options.downInitialMs ?? 2000;
  const max = options.downMaxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const exponent = Math.max(0, failures - 1);
  return Math.min(max, initial * factor ** Math.min(exponent, 50));
}

export class HealthWatcher implements Disposable {
  private timer: Disposable | undefined;
  private failures = 0;
  private running: Promise<boolean> | undefined;
  private lastCheckAt: number | undefined;
  private lastResult: boolean | undefined;
  private disposed = false;
  /** When the next scheduled check is due (clock time), for the UI and tests. */
  nextCheckAt: number | undefined;

  constructor(
    private readonly check: HealthCheck,
    private readonly clock: Clock,
    private readonly options: HealthWatcherOptions = {},
  ) {}

  /** Consecutive failed checks so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Whether the last check found a server; undefined before the first. */
  get healthy(): boolean | undefined {
    return this.lastResult;
  }

  /** Starts watching with a check now. */
  start(): Promise<boolean> {
    return this.checkNow(true);
  }

  /**
   * Checks now (unless one ran within `minGapMs`, or one is running: then shares it) and reschedules.
   * Call it when a request failed to connect, or the user asks.
   */
  checkNow(force = false): Promise<boolean> {
    if (this.disposed) {
      return Promise.resolve(this.lastResult ?? false);
    }
    if (this.running !== undefined) {
      return this.running;
    }
    const gap = this.options.minGapMs ?? 1000;
    if (!force && this.lastCheckAt !== undefined && this.lastResult !== undefined && this.clock.now() - this.lastCheckAt < gap) {
      return Promise.resolve(this.lastResult);
    }
    this.cancelTimer();
    this.running = this.runCheck().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Tells the watcher a request just failed to reach the server: check soon instead of waiting for the schedule. */
  reportUnreachable(): void {
    if (this.lastResult !== false) {
      void this.checkNow();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private async runCheck(): Promise<boolean> {
    let ok: boolean;
    try {
      ok = await this.check();
    } catch {
      ok = false;
    }
    this.lastCheckAt = this.clock.now();
    this.lastResult = ok;
    this.failures = ok ? 0 : this.failures + 1;
    this.schedule();
    return ok;
  }

  private schedule(): void {
    if (this.disposed) {
      return;
    }
    this.cancelTimer();
    const delay = this.lastResult === true ? (this.options.upIntervalMs ?? 300_000) : backoffDelayMs(this.failures, this.options);
    if (delay <= 0) {
      return;
    }
    this.nextCheckAt = this.clock.now() + delay;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.nextCheckAt = undefined;
      void this.checkNow(true);
    }, delay);
  }

  private cancelTimer(): void {
    this.timer?.dispose();
    this.timer = undefined;
    this.nextCheckAt = undefined;
  }
}
