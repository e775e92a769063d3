/**
 * What the index yields to: the user typing and completion requests in flight. Whoever does foreground work says so
 * ({@link Foreground.touch} for a keystroke, {@link Foreground.hold} for the length of a request); background work
 * (the index's throttle) waits in {@link Foreground.whenIdle} until nothing is held and the last touch is `quietMs`
 * old. The quiet time covers the gap between a keystroke and the completion request it leads to (a pause is seen
 * some hundred milliseconds after the last key), so a pause's request does not start against a running slice.
 * Pure: no `vscode` import.
 */

/** Keystrokes this recent keep the background waiting. */
export const defaultQuietMs = 1000;
/** While waiting, the state is looked at again at least this often (a hold's end is also noticed at once). */
const recheckMs = 250;

export class Foreground {
  private holds = 0;
  private lastTouch = Number.NEGATIVE_INFINITY;
  private readonly waiters = new Set<() => void>();
  /** Time background work spent waiting, for the figures. */
  waitedMs = 0;

  constructor(private readonly quietMs = defaultQuietMs, private readonly now: () => number = () => performance.now()) {}

  /** The user did something (a keystroke): background work waits until it has been quiet for a while. */
  touch(): void {
    this.lastTouch = this.now();
  }

  /** Foreground work started (a completion request); call the returned function when it ends (once). */
  hold(): () => void {
    this.holds++;
    this.touch();
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.holds--;
        this.touch();
        this.wake();
      }
    };
  }

  /** True when background work should wait. */
  get busy(): boolean {
    return this.holds > 0 || this.now() - this.lastTouch < this.quietMs;
  }

  /** Resolves at once when idle, else once it is; rejects when `signal` aborts meanwhile. */
  async whenIdle(signal?: AbortSignal): Promise<void> {
    if (!this.busy) {
      return;
    }
    const started = this.now();
    try {
      while (this.busy) {
        signal?.throwIfAborted();
        const quietLeft = this.holds > 0 ? recheckMs : Math.max(1, this.quietMs - (this.now() - this.lastTouch));
        await this.sleep(Math.min(recheckMs, quietLeft), signal);
      }
    } finally {
      this.waitedMs += this.now() - started;
    }
    signal?.throwIfAborted();
  }

  private sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    [...this.waiters].forEach((w) => w());
  }
}
