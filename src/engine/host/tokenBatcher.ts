/**
 * Coalesces the engine's streamed text into fewer IPC messages. One message per token cost the engine ~0.4 ms of
 * main-thread work per token here (JSON encoding, the pipe write, and the extension host waking to parse it), about
 * as much as decoding a token of a small model: the engine streamed at half its own speed. The first text of a
 * request goes out at once (time to first token is unchanged); after that, text is sent at most once per
 * `intervalMs`, and whatever is buffered goes out before the request's result or error. Runs in the engine process.
 */

/** Timers, injectable so tests drive time by hand. */
export interface BatcherClock {
  now(): number;
  /** Runs `run` after `ms`; returns what cancels it. */
  schedule(run: () => void, ms: number): () => void;
}

const systemClock: BatcherClock = {
  now: () => performance.now(),
  schedule: (run, ms) => {
    const handle = setTimeout(run, ms);
    return () => clearTimeout(handle);
  },
};

/** How long text may wait: well under a frame (16 ms), so streaming looks the same to the user. */
export const TOKEN_BATCH_INTERVAL_MS = 8;

export class TokenBatcher {
  private buffered = '';
  private lastSentAt: number | undefined;
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly send: (text: string) => void,
    private readonly intervalMs: number = TOKEN_BATCH_INTERVAL_MS,
    private readonly clock: BatcherClock = systemClock,
  ) {}

  /** Adds generated text: sent now when nothing went out within the interval, else with the next flush. */
  push(text: string): void {
    if (text === '') {
      return;
    }
    this.buffered += text;
    const now = this.clock.now();
    if (this.lastSentAt === undefined || now - this.lastSentAt >= this.intervalMs) {
      this.flush();
      return;
    }
    this.cancelTimer ??= this.clock.schedule(() => {
      this.cancelTimer = undefined;
      this.flush();
    }, this.intervalMs - (now - this.lastSentAt));
  }

  /** Sends whatever is buffered (call before the request's result or error, so no text is lost or reordered). */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.buffered === '') {
      return;
    }
    const text = this.buffered;
    this.buffered = '';
    this.lastSentAt = this.clock.now();
    this.send(text);
  }
}
