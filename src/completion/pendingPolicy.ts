/**
 * What to do with a request whose answer has not started yet (the server is still reading the prompt)
 * when the user types on: keep it, betting that its answer will agree with what was typed meanwhile (then
 * the rest is served by typed-through reuse, earlier than any new request could answer), or abort it at
 * once and ask anew for the current position. Nobody can tell before the first token, so the choice weighs
 * the expected time to a suggestion either way, with the measured share of such bets that came off.
 * Pure: no `vscode` import.
 */

/** Whether kept requests turned out to agree with what the user typed while they were pending. */
export class AgreementEstimate {
  private readonly outcomes: boolean[] = [];

  /** `window`: verdicts kept. A uniform prior (one agreement, one disagreement) keeps it away from 0 and 1. */
  constructor(readonly window = 20) {}

  /** Records one verdict. */
  record(agreed: boolean): void {
    this.outcomes.push(agreed);
    if (this.outcomes.length > this.window) {
      this.outcomes.shift();
    }
  }

  /** Estimated probability that a kept request agrees with the typing (0.5 before any verdict). */
  get probability(): number {
    const agreed = this.outcomes.filter(Boolean).length;
    return (agreed + 1) / (this.outcomes.length + 2);
  }

  /** Verdicts recorded (at most `window`). */
  get samples(): number {
    return this.outcomes.length;
  }
}

/** The figures {@link keepPending} weighs. */
export interface KeepPendingInput {
  /** Milliseconds since the pending request was sent. */
  readonly ageMs: number;
  /** The model's measured time to first token; undefined before the first measurement. */
  readonly timeToFirstTokenMs: number | undefined;
  /**
   * The user may stop here (the cursor is where people usually pause, or the trigger is manual): a new
   * request for this position would be sent after `restartDelayMs`.
   */
  readonly mayPauseHere: boolean;
  /** The wait before a new request for the current position would be sent (the debounce delay). */
  readonly restartDelayMs: number;
  /** Probability that the pending answer agrees with the typing ({@link AgreementEstimate.probability}). */
  readonly agreement: number;
  /** While the user types on (not at a likely pause), keep when the agreement is at least this. Default 0.5. */
  readonly minAgreementWhileTyping?: number;
  /** While the user types on, keep anyway when the first token is due within this many ms. Default 200. */
  readonly dueSoonMs?: number;
}

/**
 * Whether to keep a pending request through a keystroke.
 *
 * Where the user may stop, keep it when that makes a suggestion for this position come sooner on average:
 * a new request answers at now + restartDelay + TTFT; the pending one at sent + TTFT, sooner by
 * `restartDelay + age` when it agrees; when it does not, the new request only starts once its first token
 * shows the disagreement, later by `TTFT − age − restartDelay` (nothing when that is already past).
 *
 * While the user types on, no new request would be sent before the typing stops anyway, so aborting wins
 * no time: keep the bet when it comes off at least as often as `minAgreementWhileTyping`, or when its first
 * token is due within `dueSoonMs` anyway. A lost bet costs server time only until its first token, when the
 * disagreement shows and it is aborted.
 *
 * A model never measured yet is treated like the typing case everywhere: its time to first token is unknown,
 * and a request that reaches its first token is the only way to measure it when the user's pauses are shorter
 * than the floor plus that time (aborting every request would keep it unmeasured, and every pause empty).
 */
export function keepPending(input: KeepPendingInput): boolean {
  const p = Math.min(1, Math.max(0, input.agreement));
  const ttft = input.timeToFirstTokenMs;
  if (ttft === undefined) {
    return p >= (input.minAgreementWhileTyping ?? 0.5);
  }
  if (!input.mayPauseHere) {
    return p >= (input.minAgreementWhileTyping ?? 0.5) || ttft - input.ageMs <= (input.dueSoonMs ?? 200);
  }
  const gain = p * (input.restartDelayMs + input.ageMs);
  const loss = (1 - p) * Math.max(0, ttft - input.ageMs - input.restartDelayMs);
  return gain >= loss;
}
