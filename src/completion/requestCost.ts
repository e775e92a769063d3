/**
 * The cost-aware answer to "when does the request for this position go out?". A request sent `t` ms into
 * a silence saves the user `fallback − t` ms of waiting when its answer is still valid at the pause (the
 * silence is a pause, or the user types what it suggests), and costs the server its time until it is
 * aborted when it is not. It goes out at the earliest `t` whose expected saving outweighs its expected
 * wasted server time, and whose expected rate of wasted requests stays within a budget per keystroke (the
 * budget is split between the two kinds of position). When no `t` qualifies (low agreement, a position
 * where the user rarely stops), it goes out at the fallback: the earliest `t` within the budget, when the
 * silence is almost surely a pause (asking at pauses).
 * Pure: no `vscode` import.
 */
import type { KeyRhythm, PositionKind } from './keyRhythm';

/** What the decision weighs. */
export interface RequestCostInput {
  readonly rhythm: KeyRhythm;
  readonly kind: PositionKind;
  /** Probability that an answer agrees with what the user types next (see `AgreementEstimate`). */
  readonly agreement: number;
  /** Server time of one request to its end (time to first token plus streaming), measured. */
  readonly serviceMs: number;
  /** Never earlier than this (the `completion.debounceMs` setting). */
  readonly floorMs: number;
  /** Never later than this. */
  readonly maxWaitMs: number;
  /** Milliseconds of server time worth one millisecond of the user's waiting. Default 1.5. */
  readonly costWeight?: number;
  /**
   * Server time any request costs even when aborted at once (connection, re-reading the end of the prompt,
   * the stream's first step), in ms. Default 30.
   */
  readonly requestOverheadMs?: number;
  /** The gap quantile whose end is taken as "surely a pause" (the fallback). Default 0.98. */
  readonly fallbackQuantile?: number;
  /**
   * Wasted requests (sent, then typed past) allowed per keystroke, over both kinds of position, while answers
   * rarely agree (below 0.5). Default 0.015: with a pause every ~80 keys, about 3 requests per 100 typed
   * characters in all.
   */
  readonly wastedRequestsPerKey?: number;
}

/** When to send, and why (for the attempt log and tests). */
export interface RequestTiming {
  /** Milliseconds after the keystroke. */
  readonly waitMs: number;
  /** 'early': the expected saving outweighs the cost before the fallback; 'pause': asked once a pause is near certain. */
  readonly reason: 'early' | 'pause';
  /** Probability that the silence is a pause at `waitMs`. */
  readonly pauseProbability: number;
}

/** The wait that is "surely a pause" for this user: a bit past the `q` quantile of their typing gaps. */
export function pauseFallbackMs(rhythm: KeyRhythm, floorMs: number, maxWaitMs: number, q = 0.98): number {
  const gap = rhythm.gapQuantile(q);
  if (gap === undefined) {
    return Math.min(maxWaitMs, Math.max(floorMs, rhythm.pauseThresholdMs));
  }
  return Math.min(maxWaitMs, Math.max(floorMs, Math.round(gap * 1.1)));
}

/** The earliest worthwhile moment to send (see the file comment). */
export function requestTiming(input: RequestCostInput): RequestTiming {
  const { rhythm, kind } = input;
  const weight = input.costWeight ?? 1.5;
  const agreement = Math.min(1, Math.max(0, input.agreement));
  // The budget of wasted requests goes where this user pauses (each kind of position gets its share of the
  // pauses); per keystroke of this kind that is more where this kind is rare (a line end, not mid-word).
  const budget = ((input.wastedRequestsPerKey ?? 0.015) * rhythm.pausesAt(kind)) / Math.max(0.01, rhythm.kindShare(kind));
  const pauseShare = rhythm.pauseShare(kind);
  // With answers that mostly agree, a request while typing mostly pays (typed-through reuse then serves the next
  // keys without new requests): the budget bounds the waste of answers that rarely agree.
  const withinBudget = (t: number): boolean => agreement >= 0.5 || (1 - pauseShare) * (1 - agreement) * rhythm.gapSurvival(kind, t) <= budget;
  const quantileFallback = pauseFallbackMs(rhythm, input.floorMs, input.maxWaitMs, input.fallbackQuantile);
  let fallback = input.maxWaitMs;
  for (let t = input.floorMs; t < input.maxWaitMs; t += 10) {
    if (withinBudget(t) && t >= Math.min(quantileFallback, rhythm.pauseThresholdMs)) {
      fallback = t;
      break;
    }
  }
  // Candidate moments: every 10 ms from the floor to the fallback (at most a few dozen evaluations).
  for (let t = input.floorMs; t < fallback; t += 10) {
    if (!withinBudget(t)) {
      continue;
    }
    const pause = rhythm.pauseProbability(kind, t);
    const valid = pause + (1 - pause) * agreement;
    const saving = valid * (fallback - t);
    const wasted = (1 - valid) * ((input.requestOverheadMs ?? 30) + Math.min(input.serviceMs, rhythm.remainingGapMs(kind, t)));
    if (saving >= weight * wasted) {
      return { waitMs: t, reason: 'early', pauseProbability: pause };
    }
  }
  return { waitMs: fallback, reason: 'pause', pauseProbability: rhythm.pauseProbability(kind, fallback) };
}
