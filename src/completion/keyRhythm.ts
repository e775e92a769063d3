/**
 * The user's key rhythm: the distribution of the intervals between keystrokes, learned separately for
 * four kinds of cursor position (after what ends a statement or an item — `;`, `}`, `,` at the end of the
 * line —, after another place people may stop — an opening brace, a closing parenthesis, a quote —, at the
 * start of a line in its indentation, and inside a line). Each kind learns its own share of pauses, so the
 * policy can ask early where this user actually stops. From it, the probability that a silence of `t` ms is a pause rather than the gap
 * before the next key, and how much longer the silence lasts if it is a gap: what the request policy
 * needs to detect a pause early instead of waiting a fixed debounce.
 * Pure: no `vscode` import.
 */

/**
 * Where the cursor was when the silence began: after what ends a statement or an item, after another place
 * people may stop, in a line's indentation, or inside a line.
 */
export type PositionKind = 'end' | 'boundary' | 'indent' | 'inside';

/** Every position kind. */
export const positionKinds: readonly PositionKind[] = ['end', 'boundary', 'indent', 'inside'];

/** Intervals of a kind needed before its own figures are used (see `KeyRhythm.intervalsOf`). */
const minOwnIntervals = 12;

/** Tunables of {@link KeyRhythm}. */
export interface KeyRhythmOptions {
  /** Intervals kept per position kind. Default 256. */
  readonly window?: number;
  /** An interval at least this long is a pause whatever the rhythm. Default 2000. */
  readonly surePauseMs?: number;
  /** An interval shorter than this is never a pause. Default 300. */
  readonly minPauseMs?: number;
  /** An interval longer than this many of the user's median gaps is a pause. Default 4. */
  readonly pauseOverMedian?: number;
}

/** Intervals between keystrokes by position kind, and what they say about a silence. */
export class KeyRhythm {
  private readonly intervals: Record<PositionKind, number[]> = { end: [], boundary: [], indent: [], inside: [] };
  private last: { readonly at: number; readonly kind: PositionKind } | undefined;
  /**
   * Figures derived from the intervals, computed once per keystroke: the request policy asks for them at
   * every 10 ms step of a silence, and sorting the intervals each time cost up to ~260 ms per keystroke on a
   * busy 2-core machine (measured), blocking the extension host right when the pause's request should go out.
   */
  private derived: { median?: number | undefined; threshold?: number; all?: number[]; gaps: Partial<Record<PositionKind, number[]>> } = { gaps: {} };
  private readonly window: number;
  private readonly surePauseMs: number;
  private readonly minPauseMs: number;
  private readonly pauseOverMedian: number;

  constructor(options: KeyRhythmOptions = {}) {
    this.window = options.window ?? 256;
    this.surePauseMs = options.surePauseMs ?? 2000;
    this.minPauseMs = options.minPauseMs ?? 300;
    this.pauseOverMedian = options.pauseOverMedian ?? 4;
  }

  /** Records a keystroke at `at` that left the cursor at a position of `kind`. */
  record(at: number, kind: PositionKind): void {
    if (this.last !== undefined) {
      const interval = at - this.last.at;
      if (interval >= 0) {
        const list = this.intervals[this.last.kind];
        // Anything past the sure-pause length is just "a pause": clip it so it cannot skew the figures.
        list.push(Math.min(interval, this.surePauseMs * 2));
        if (list.length > this.window) {
          list.shift();
        }
        this.derived = { gaps: {} };
      }
    }
    this.last = { at, kind };
  }

  /** Intervals recorded (both kinds). */
  get samples(): number {
    return this.all().length;
  }

  private all(): number[] {
    this.derived.all ??= positionKinds.flatMap((k) => this.intervals[k]);
    return this.derived.all;
  }

  /** Milliseconds since the last keystroke, if any. */
  silenceAt(now: number): number | undefined {
    return this.last === undefined ? undefined : now - this.last.at;
  }

  /** The user's median gap between keys while typing (pauses excluded), if known. */
  get medianGapMs(): number | undefined {
    if (!('median' in this.derived)) {
      this.derived.median = this.computeMedianGap();
    }
    return this.derived.median;
  }

  private computeMedianGap(): number | undefined {
    const all = this.all()
      .filter((i) => i < this.surePauseMs)
      .sort((a, b) => a - b);
    if (all.length < 3) {
      return undefined;
    }
    // The lower half is typing whatever the share of pauses: its median is robust.
    return all[Math.floor(all.length / 2)];
  }

  /** The length from which an interval counts as a pause, for this user. */
  get pauseThresholdMs(): number {
    this.derived.threshold ??= this.computePauseThreshold();
    return this.derived.threshold;
  }

  private computePauseThreshold(): number {
    const median = this.medianGapMs;
    return median === undefined ? this.surePauseMs : Math.min(this.surePauseMs, Math.max(this.minPauseMs, median * this.pauseOverMedian));
  }

  /** The `q` quantile (0..1) of the typing gaps (pauses excluded), if at least 3 are known. */
  gapQuantile(q: number): number | undefined {
    const threshold = this.pauseThresholdMs;
    const gaps = this.all()
      .filter((i) => i < threshold)
      .sort((a, b) => a - b);
    if (gaps.length < 3) {
      return undefined;
    }
    return gaps[Math.min(gaps.length - 1, Math.max(0, Math.ceil(q * gaps.length) - 1))];
  }

  /**
   * Probability that a silence of `silentMs` after a keystroke at a position of `kind` is a pause: the
   * share of pauses among such intervals, weighed by how rarely a typing gap lasts this long. Smoothed,
   * so it is never exactly 0 or 1; with few intervals of this kind, those of both kinds are used.
   */
  pauseProbability(kind: PositionKind, silentMs: number): number {
    if (silentMs >= this.pauseThresholdMs) {
      return 1;
    }
    const pauseShare = this.pauseShare(kind);
    return pauseShare / (pauseShare + (1 - pauseShare) * this.gapSurvival(kind, silentMs));
  }

  /** Share of the intervals after a keystroke at a position of `kind` that were pauses (smoothed). */
  pauseShare(kind: PositionKind): number {
    const intervals = this.intervalsOf(kind);
    const threshold = this.pauseThresholdMs;
    const pauses = intervals.filter((i) => i >= threshold).length;
    return (pauses + 0.5) / (intervals.length + 1);
  }

  /** Share of the typing gaps after a keystroke at a position of `kind` longer than `silentMs` (smoothed). */
  gapSurvival(kind: PositionKind, silentMs: number): number {
    const gaps = this.gaps(kind);
    return (gaps.length - firstAbove(gaps, silentMs) + 0.5) / (gaps.length + 1);
  }

  /** Share of the user's pauses that began at a position of `kind` (smoothed: every kind keeps a little). */
  pausesAt(kind: PositionKind): number {
    const threshold = this.pauseThresholdMs;
    const count = (k: PositionKind): number => this.intervals[k].filter((i) => i >= threshold).length + 0.5;
    return count(kind) / positionKinds.reduce((sum, k) => sum + count(k), 0);
  }

  /** Share of all keystrokes that left the cursor at a position of `kind`. */
  kindShare(kind: PositionKind): number {
    const total = this.samples;
    return total === 0 ? 0.5 : this.intervals[kind].length / total;
  }

  /**
   * The intervals that speak for a position kind: its own once there are enough of them; before that, those of
   * both kinds of stopping places (an end and another boundary behave alike more than the middle of a line
   * does), else all.
   */
  private intervalsOf(kind: PositionKind): number[] {
    const own = this.intervals[kind];
    if (own.length >= minOwnIntervals) {
      return own;
    }
    if (kind === 'end' || kind === 'boundary') {
      const stops = [...this.intervals.end, ...this.intervals.boundary];
      if (stops.length >= minOwnIntervals) {
        return stops;
      }
    }
    return this.all();
  }

  /** Expected milliseconds until the next keystroke when a silence of `silentMs` is a typing gap. */
  remainingGapMs(kind: PositionKind, silentMs: number): number {
    const gaps = this.gaps(kind);
    const longer = gaps.slice(firstAbove(gaps, silentMs));
    if (longer.length === 0) {
      return Math.max(0, this.pauseThresholdMs - silentMs);
    }
    return longer.reduce((sum, g) => sum + (g - silentMs), 0) / longer.length;
  }

  /** The typing gaps (pauses excluded) after a position of `kind`, sorted ascending. */
  private gaps(kind: PositionKind): number[] {
    let gaps = this.derived.gaps[kind];
    if (gaps === undefined) {
      const threshold = this.pauseThresholdMs;
      gaps = this.intervalsOf(kind)
        .filter((i) => i < threshold)
        .sort((a, b) => a - b);
      this.derived.gaps[kind] = gaps;
    }
    return gaps;
  }
}

/** Index of the first element of ascending `sorted` greater than `value` (its length when none is). */
function firstAbove(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) > value) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}
