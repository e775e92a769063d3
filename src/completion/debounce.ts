/**
 * Adaptive debounce: wait just long enough to tell a pause from the gap between two keystrokes.
 * Short (the `completion.debounceMs` floor) when the user is pausing, types slowly, triggers manually or
 * the cursor sits where people usually pause (end of a finished line, an empty line); while typing fast,
 * a bit longer than the user's own inter-key gap, so a request is only sent when the typing stops.
 * Time comes from an injectable {@link Clock}.
 * Pure: no `vscode` import.
 */
import type { Clock } from '../util/clock';

/** Where the cursor is, as far as the debounce cares. */
export interface DebounceHint {
  /** The manual trigger command: no wait. */
  readonly manual: boolean;
  /** The cursor is where users usually pause: end of a finished statement, an empty line, after a block opener. */
  readonly likelyPause: boolean;
}

export interface DebounceOptions {
  /** Keystroke gaps kept. */
  readonly window?: number;
  /** A gap longer than this is a pause, not typing. */
  readonly pauseGapMs?: number;
  /** Upper bound of the wait. */
  readonly maxMs?: number;
  /** The wait as a multiple of the user's usual gap. */
  readonly gapFactor?: number;
}

/** Tracks keystroke gaps and the model's time to first token; computes the wait before a request. */
export class AdaptiveDebounce {
  private readonly gaps: number[] = [];
  private lastKeystroke: number | undefined;
  private ttft: number | undefined;
  private ttftAtLeast: number | undefined;
  private seeded = false;
  private readonly window: number;
  private readonly pauseGapMs: number;
  private readonly maxMs: number;
  private readonly gapFactor: number;

  constructor(
    private readonly clock: Clock,
    options: DebounceOptions = {},
  ) {
    this.window = options.window ?? 12;
    this.pauseGapMs = options.pauseGapMs ?? 450;
    this.maxMs = options.maxMs ?? 600;
    this.gapFactor = options.gapFactor ?? 1.1;
  }

  /** Records a keystroke (a provider call that is not a manual trigger). */
  recordKeystroke(at: number = this.clock.now()): void {
    if (this.lastKeystroke !== undefined) {
      const gap = at - this.lastKeystroke;
      if (gap >= 0 && gap < this.pauseGapMs) {
        this.gaps.push(gap);
        if (this.gaps.length > this.window) {
          this.gaps.shift();
        }
      }
    }
    this.lastKeystroke = at;
  }

  /** Seeds the time to first token from elsewhere (e.g. the router's speed statistics) when none was measured. */
  seedTimeToFirstToken(ms: number | undefined): void {
    if (this.ttft === undefined && ms !== undefined && Number.isFinite(ms) && ms > 0) {
      this.ttft = ms;
      this.seeded = true;
    }
  }

  /** Records a measured time to first token (smoothed; the first measurement replaces a seed). */
  recordTimeToFirstToken(ms: number): void {
    // A seed comes from other requests (chat prompts are longer): this model's own completions know better.
    this.ttft = this.ttft === undefined || this.seeded ? ms : this.ttft * 0.7 + ms * 0.3;
    this.seeded = false;
    // A real measurement supersedes the lower bounds seen so far (e.g. a one-off model load).
    this.ttftAtLeast = undefined;
  }

  /**
   * Records that a request waited `ms` without a first token (it was aborted while the server read the
   * prompt): the time to first token is at least that.
   */
  recordTimeToFirstTokenAtLeast(ms: number): void {
    this.ttftAtLeast = Math.max(this.ttftAtLeast ?? 0, ms);
  }

  /** The longest wait seen for a first token that never came, if any. */
  get timeToFirstTokenAtLeastMs(): number | undefined {
    return this.ttftAtLeast;
  }

  /** The smoothed time to first token, if measured. */
  get timeToFirstTokenMs(): number | undefined {
    return this.ttft;
  }

  /** The user's longest recent gap between keystrokes while typing (pauses excluded), if known. */
  get typingGapMs(): number | undefined {
    if (this.gaps.length < 3) {
      return undefined;
    }
    // The longest, not a typical one: waiting less than the user's own slower gaps sends a request the
    // next keystroke makes useless.
    return Math.max(...this.gaps);
  }

  /** The wait before sending a request. Never below `floorMs`. */
  delayMs(floorMs: number, hint: DebounceHint): number {
    if (hint.manual) {
      return 0;
    }
    const gap = this.typingGapMs;
    // The floor at a likely pause is a bet that the answer comes before the next keystroke; it needs a
    // measured model (until then, requests go out only in real pauses, which measure it).
    if (gap === undefined || (hint.likelyPause && this.ttft !== undefined)) {
      return floorMs;
    }
    // A fast model makes a wasted request cheap, so wait less for it.
    const fast = this.ttft !== undefined && this.ttft <= 100 && (this.ttftAtLeast ?? 0) <= 100;
    const cap = fast ? Math.min(this.maxMs, 300) : this.maxMs;
    return Math.max(floorMs, Math.min(cap, Math.round(gap * this.gapFactor)));
  }

  /** Waits `ms` on the clock; resolves false if the signal aborts first. */
  wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) {
      return Promise.resolve(false);
    }
    if (ms <= 0) {
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        timer.dispose();
        resolve(false);
      };
      const timer = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
