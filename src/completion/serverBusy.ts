/**
 * How much of the user's typing time the model server spent on completions: the generations' server
 * intervals (sent → finished or aborted) against the typing periods (between keystrokes closer than a
 * pause). The figure "Why No Completion?" and the benchmark report, and the request policy's budget check.
 * Pure: no `vscode` import.
 */

/** A finished (or aborted) generation's time on the server. */
interface BusySpan {
  readonly start: number;
  readonly end: number;
  /** Aborted before it was of any use. */
  readonly wasted: boolean;
}

/** The figures over the recent window. */
export interface BusyFigures {
  /** Milliseconds of typing (intervals between keystrokes shorter than the pause threshold). */
  readonly typingMs: number;
  /** Milliseconds the server worked on completions during that typing. */
  readonly busyWhileTypingMs: number;
  /** `busyWhileTypingMs / typingMs`, 0 with no typing. */
  readonly busyWhileTypingShare: number;
  /** Requests sent, and how many were aborted unused, in the window. */
  readonly requests: number;
  readonly wasted: number;
}

/** Keystrokes and server spans over a sliding window. */
export class ServerBusyMeter {
  private readonly keys: number[] = [];
  private readonly spans: BusySpan[] = [];
  private readonly running = new Map<number, number>();
  private nextId = 1;

  /** `windowMs`: how far back figures look. */
  constructor(readonly windowMs = 5 * 60_000) {}

  /** A keystroke at `at`. */
  keystroke(at: number): void {
    this.keys.push(at);
    this.trim(at);
  }

  /** A request went to the server at `at`; returns its id for {@link end}. */
  start(at: number): number {
    const id = this.nextId++;
    this.running.set(id, at);
    return id;
  }

  /** The server stopped working on request `id` at `at` (`wasted`: aborted before anyone used it). */
  end(id: number, at: number, wasted: boolean): void {
    const start = this.running.get(id);
    if (start === undefined) {
      return;
    }
    this.running.delete(id);
    this.spans.push({ start, end: Math.max(start, at), wasted });
    this.trim(at);
  }

  /** Requests on the server right now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** The figures for the window ending at `now`; `pauseMs`: an interval at least this long is not typing. */
  figures(now: number, pauseMs: number): BusyFigures {
    const from = now - this.windowMs;
    const typing: Array<readonly [number, number]> = [];
    for (let i = 1; i < this.keys.length; i++) {
      const a = this.keys[i - 1];
      const b = this.keys[i];
      if (a !== undefined && b !== undefined && b - a < pauseMs && b > from) {
        typing.push([Math.max(a, from), b]);
      }
    }
    const spans: Array<readonly [number, number]> = this.spans.filter((s) => s.end > from).map((s) => [Math.max(s.start, from), s.end] as const);
    for (const start of this.running.values()) {
      spans.push([Math.max(start, from), now]);
    }
    const typingMs = typing.reduce((sum, [a, b]) => sum + (b - a), 0);
    const busyWhileTypingMs = overlap(merge(spans), typing);
    const recent = this.spans.filter((s) => s.end > from);
    return {
      typingMs,
      busyWhileTypingMs,
      busyWhileTypingShare: typingMs > 0 ? busyWhileTypingMs / typingMs : 0,
      requests: recent.length + this.running.size,
      wasted: recent.filter((s) => s.wasted).length,
    };
  }

  private trim(now: number): void {
    const from = now - this.windowMs;
    while (this.keys.length > 0 && (this.keys[0] ?? now) < from) {
      this.keys.shift();
    }
    while (this.spans.length > 0 && (this.spans[0]?.end ?? now) < from) {
      this.spans.shift();
    }
  }
}

/** Sorted, non-overlapping union of intervals. */
function merge(intervals: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) {
      last[1] = Math.max(last[1], b);
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

/** Total length of the intersection of two sets of intervals (`busy` merged; `typing` disjoint and sorted). */
function overlap(busy: ReadonlyArray<readonly [number, number]>, typing: ReadonlyArray<readonly [number, number]>): number {
  let total = 0;
  for (const [a, b] of typing) {
    for (const [c, d] of busy) {
      if (c >= b) {
        break;
      }
      total += Math.max(0, Math.min(b, d) - Math.max(a, c));
    }
  }
  return total;
}
