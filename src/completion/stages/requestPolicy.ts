/**
 * Stage "request policy": when a request goes out, and whether a keystroke keeps the one in flight. It
 * holds what the policy learns: the user's key rhythm ({@link KeyRhythm}), the model's time to first token
 * and server time per request, how often answers agreed with the typing ({@link AgreementEstimate}), and
 * how busy the server was while the user typed ({@link ServerBusyMeter}).
 *
 * Two policies (setting `tiered.completion.requestPolicy`):
 * - `costAware` (default): a request goes out at the earliest moment of a silence whose expected saving
 *   (probability the answer is still valid at the pause × time saved) outweighs its expected wasted server
 *   time (`requestCost.ts`); with low agreement that is when the silence is almost surely a pause. The
 *   weight of server time grows when the server was busier than its budget while the user typed.
 * - `classic`: the adaptive debounce of the previous release ({@link AdaptiveDebounce}), kept as the baseline.
 * Pure: no `vscode` import.
 */
import type { Settings } from '../../settings/schema';
import type { Clock } from '../../util/clock';
import { AdaptiveDebounce } from '../debounce';
import type { DebounceOptions } from '../debounce';
import { KeyRhythm } from '../keyRhythm';
import type { PositionKind } from '../keyRhythm';
import { AgreementEstimate, keepPending } from '../pendingPolicy';
import { requestTiming } from '../requestCost';
import type { RequestTiming } from '../requestCost';
import { ServerBusyMeter } from '../serverBusy';
import type { PostprocessContext } from '../postprocess';
import type { CompletionRequest } from '../types';
import type { Generation } from './generation';

/** The policy's tunables (see `CompletionPipelineOptions` for their meaning and defaults). */
export interface RequestPolicyOptions {
  readonly maxPendingWaitMs: number;
  readonly minAgreementWhileTyping: number;
  readonly prefetchOverTypingGaps: number;
  readonly useReuse: boolean;
  readonly debounce?: DebounceOptions;
  /** Share of the typing time the server may spend on completions before requests get dearer. Default 0.05. */
  readonly busyBudget?: number;
  /** Milliseconds of server time worth one millisecond of the user's waiting (see `requestCost.ts`). Default 1.5. */
  readonly costWeight?: number;
  /** Keystroke intervals needed before the cost-aware policy trusts the rhythm. Default 8. */
  readonly minRhythmSamples?: number;
}

/** Why the last request went out when it did (for "Why No Completion?"). */
export type TimingReason = RequestTiming['reason'] | 'manual' | 'continuation' | 'learning' | 'classic';

/** A provider call this long after the last reported keystroke is not that keystroke's (e.g. a cursor move). */
const maxCallLagMs = 1000;

/** Verdicts on kept requests before the cost-aware policy trusts a low agreement enough to stop keeping them. */
const minVerdictsToStop = 5;
/** Below this measured agreement, requests are never kept through typing under the cost-aware policy. */
const rarelyAgrees = 0.2;

/** When to ask the model, learned from the user's typing and the model's answers. */
export class RequestPolicy {
  readonly debounce: AdaptiveDebounce;
  private readonly agreements = new Map<string, AgreementEstimate>();
  private currentAgreement = new AgreementEstimate();
  /** The user's key rhythm by cursor position. */
  readonly rhythm = new KeyRhythm();
  /** Server time on completions against typing time. */
  readonly busy = new ServerBusyMeter();
  /** Why the last wait was what it was (also for calls that never sent a request). */
  lastTiming: { readonly reason: TimingReason; readonly waitMs: number } | undefined;
  /** The timing of the last request that went out. */
  lastSentTiming: { readonly reason: TimingReason; readonly waitMs: number } | undefined;
  private serviceMsEstimate: number | undefined;
  /** The last keystroke the editor reported, once it reports them. */
  private lastEditorKeyAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly options: RequestPolicyOptions,
  ) {
    this.debounce = new AdaptiveDebounce(clock, options.debounce);
  }

  /** How often the current model's answers agreed with what the user typed next (measured per model). */
  get agreement(): AgreementEstimate {
    return this.currentAgreement;
  }

  /** The model completions go to now: its own agreement estimate applies. */
  useModel(model: string): void {
    if (this.agreements.size === 0) {
      // The first model inherits what was recorded before any model was known.
      this.agreements.set(model, this.currentAgreement);
      return;
    }
    let estimate = this.agreements.get(model);
    if (estimate === undefined) {
      estimate = new AgreementEstimate();
      this.agreements.set(model, estimate);
    }
    this.currentAgreement = estimate;
  }

  /**
   * Records a keystroke (an automatic provider call) at `at`, leaving the cursor as in `request`. The key rhythm
   * learns from it only while the editor does not report keystrokes itself (see {@link recordEditorKeystroke}).
   */
  recordKeystroke(at: number, request: CompletionRequest): void {
    this.debounce.recordKeystroke(at);
    if (this.lastEditorKeyAt === undefined) {
      this.rhythm.record(at, positionKind(request));
      this.busy.keystroke(at);
    }
  }

  /**
   * Records a key typed in the editor at `at`, leaving the cursor at a position of `kind`. Provider calls are no
   * measure of the user's rhythm: the editor asks only after its own debounce, and skips keys typed during it
   * (on a busy 2-core machine the typing bench saw a call for one key in three, median 239 ms apart for a
   * typist's 135 ms), so once the editor reports keystrokes, the key rhythm and the busy meter learn from these.
   */
  recordEditorKeystroke(at: number, kind: PositionKind): void {
    this.lastEditorKeyAt = at;
    this.rhythm.record(at, kind);
    this.busy.keystroke(at);
  }

  /**
   * When the silence before a provider call made at `callAt` began: the last key the editor reported (the call
   * comes after the editor's debounce), else the call itself.
   */
  silenceStart(callAt: number): number {
    const key = this.lastEditorKeyAt;
    return key !== undefined && key <= callAt && callAt - key < maxCallLagMs ? key : callAt;
  }

  /** Records a finished request's server time (sent → last token), for the expected cost of the next. */
  recordServiceTime(ms: number): void {
    this.serviceMsEstimate = this.serviceMsEstimate === undefined ? ms : this.serviceMsEstimate * 0.7 + ms * 0.3;
  }

  /** The expected server time of one request: measured, else time to first token plus a short answer. */
  get serviceMs(): number {
    return this.serviceMsEstimate ?? (this.debounce.timeToFirstTokenMs ?? 150) + 150;
  }

  /** The server's busy share of the user's recent typing time. */
  busyWhileTyping(now: number = this.clock.now()): ReturnType<ServerBusyMeter['figures']> {
    return this.busy.figures(now, this.rhythm.pauseThresholdMs);
  }

  /**
   * The wait before a request for this position goes out, counted from the keystroke. `continuation`: the
   * user just took a whole suggestion, so the next one is asked at once.
   */
  delayMs(settings: Settings, request: CompletionRequest, context: Pick<PostprocessContext, 'languageId' | 'linePrefix' | 'lineSuffix'>, continuation = false): number {
    const floor = settings['completion.debounceMs'];
    const classic = (): number =>
      this.debounce.delayMs(floor, { manual: request.manual, likelyPause: likelyPause(context) || this.prefetchWhileTyping() });
    if (request.manual) {
      return this.timed('manual', 0);
    }
    if (settings['completion.requestPolicy'] === 'classic') {
      return this.timed('classic', classic());
    }
    if (continuation) {
      return this.timed('continuation', 0);
    }
    if (this.rhythm.samples < (this.options.minRhythmSamples ?? 8)) {
      // Too few keystrokes to know the rhythm: the adaptive debounce, which waits for the usual gap.
      return this.timed('learning', classic());
    }
    const timing = requestTiming({
      rhythm: this.rhythm,
      kind: positionKindOf(context),
      agreement: this.agreementForCost,
      serviceMs: this.serviceMs,
      floorMs: floor,
      maxWaitMs: Math.max(floor, 1200),
      costWeight: this.costWeight(),
    });
    return this.timed(timing.reason, timing.waitMs);
  }

  /** The agreement the cost model uses: measured, or a cautious 0.2 before three verdicts. */
  private get agreementForCost(): number {
    return this.agreement.samples >= 3 ? this.agreement.probability : 0.2;
  }

  /** Server time weighs more while the server has been busier than its budget during typing. */
  private costWeight(): number {
    const base = this.options.costWeight ?? 1.5;
    const budget = this.options.busyBudget ?? 0.05;
    const figures = this.busyWhileTyping();
    // Judge the budget only over a meaningful stretch of typing (10 s).
    if (figures.typingMs < 10_000) {
      return base;
    }
    return base * Math.max(1, figures.busyWhileTypingShare / budget);
  }

  private timed(reason: TimingReason, waitMs: number): number {
    this.lastTiming = { reason, waitMs };
    return waitMs;
  }

  /**
   * Whether a keystroke keeps a generation that has not produced text yet (see {@link keepPending}). Never once
   * its first token is overdue (the model may be reloading).
   */
  keepWhilePending(generation: Generation, request: CompletionRequest, settings: Settings): boolean {
    if (settings['completion.requestPolicy'] === 'costAware' && !request.manual && this.agreement.samples >= minVerdictsToStop && this.agreement.probability < rarelyAgrees) {
      // Answers measured to rarely agree with the typing: a kept request would only spend server time on text the
      // user typed past (the slow model in the typing bench: 13.8 % of server time went there).
      return false;
    }
    const ttft = this.debounce.timeToFirstTokenMs;
    const age = this.clock.now() - generation.startedAt;
    const wait = this.options.maxPendingWaitMs;
    if (ttft !== undefined && ((this.debounce.timeToFirstTokenAtLeastMs ?? 0) > ttft + wait || age - ttft > wait)) {
      return false;
    }
    const mayPauseHere = request.manual || likelyPause(lineAround(request.text, request.offset, request.languageId));
    const restartDelayMs = this.debounce.delayMs(settings['completion.debounceMs'], { manual: request.manual, likelyPause: mayPauseHere });
    return keepPending({
      ageMs: age,
      timeToFirstTokenMs: ttft,
      mayPauseHere,
      restartDelayMs,
      agreement: this.agreement.probability,
      minAgreementWhileTyping: this.options.minAgreementWhileTyping,
      dueSoonMs: wait,
    });
  }

  /**
   * A request sent only once the user pauses answers floor + TTFT + the time to stream the line into the pause;
   * one sent while the user types (at the debounce floor) and kept through the typing (see {@link keepPending})
   * can have the line ready when the pause starts. Worth it while answers agree with the typing often enough,
   * for any model slower than a fraction of the user's keystroke gap.
   */
  prefetchWhileTyping(): boolean {
    const ttft = this.debounce.timeToFirstTokenMs;
    const gap = this.debounce.typingGapMs;
    return (
      this.options.useReuse &&
      ttft !== undefined &&
      gap !== undefined &&
      ttft > this.options.prefetchOverTypingGaps * gap &&
      this.agreement.probability >= this.options.minAgreementWhileTyping
    );
  }

  /**
   * Records whether a generation's answer agreed with what the user typed after its anchor, as soon as its
   * text tells (once per generation): the estimate behind keeping pending generations through typing.
   */
  judge(generation: Generation, text: string, typed: string, finished: boolean): void {
    if (generation.verdict !== undefined || typed === '' || (finished && text.trim() === '')) {
      return;
    }
    let verdict: boolean | undefined;
    if (text.startsWith(typed)) {
      verdict = true;
    } else if (!typed.startsWith(text)) {
      verdict = false;
    } else if (finished) {
      // The whole answer typed: it agreed.
      verdict = true;
    }
    if (verdict !== undefined) {
      generation.verdict = verdict;
      this.agreement.record(verdict);
    }
  }
}

const timingLabels: Readonly<Record<TimingReason, string>> = {
  early: 'early: a request while you typed was likely to pay off',
  pause: 'at the pause: your typing rhythm said the silence was a pause',
  manual: 'at once: triggered by hand',
  continuation: 'at once: you had just taken the whole previous suggestion',
  learning: 'after the usual debounce: still learning your typing rhythm',
  classic: 'after the classic debounce (setting tiered.completion.requestPolicy)',
};

/**
 * What "Why No Completion?" says about the request policy: which one, how busy the server was while the
 * user typed, and when the last request went out.
 */
export function describeRequestPolicy(policy: RequestPolicy, policySetting: Settings['completion.requestPolicy'], now: number): string {
  const figures = policy.busyWhileTyping(now);
  const lines = [
    `Request policy: ${policySetting === 'classic' ? 'classic (a request after each short debounce)' : 'cost-aware (requests while typing only when they are likely to pay off)'}.`,
  ];
  if (figures.typingMs > 0) {
    const share = (figures.busyWhileTypingShare * 100).toFixed(1);
    lines.push(
      `Server busy while you typed (last ${Math.round(policy.busy.windowMs / 60_000)} min): ${share} % of ${(figures.typingMs / 1000).toFixed(1)} s of typing; ${figures.requests} request(s), ${figures.wasted} aborted before they were of use.`,
    );
  }
  const agreement = policy.agreement;
  if (agreement.samples > 0) {
    lines.push(`Answers that agreed with what you typed next: ${Math.round(agreement.probability * 100)} % (${agreement.samples} judged).`);
  }
  const gap = policy.rhythm.medianGapMs;
  if (gap !== undefined) {
    lines.push(`Your usual gap between keys: ${gap} ms; a silence past ${policy.rhythm.pauseThresholdMs} ms is a pause.`);
  }
  if (policy.lastSentTiming !== undefined) {
    lines.push(`The last request went out ${policy.lastSentTiming.waitMs} ms after the keystroke (${timingLabels[policy.lastSentTiming.reason]}).`);
  }
  return lines.join('\n');
}

/** The kind of position a request's cursor is at, for the key rhythm. */
export function positionKind(request: Pick<CompletionRequest, 'text' | 'offset' | 'languageId'>): PositionKind {
  return positionKindOf(lineAround(request.text, request.offset, request.languageId));
}

/**
 * The kind of a cursor position from its line: in the indentation, after what ends a statement or an item
 * (`;`, `}`, `,`, a comment's end), after another place people may stop (see {@link likelyPause}), or inside.
 */
export function positionKindOf(context: Pick<PostprocessContext, 'languageId' | 'linePrefix' | 'lineSuffix'>): PositionKind {
  if (context.linePrefix.trim() === '' && context.lineSuffix.trim() === '') {
    return 'indent';
  }
  if (!likelyPause(context)) {
    return 'inside';
  }
  return /[;},]$/.test(context.linePrefix) || context.linePrefix.endsWith('*/') ? 'end' : 'boundary';
}

/** The cursor's line around it, enough for {@link likelyPause}. */
export function lineAround(text: string, offset: number, languageId: string): Pick<PostprocessContext, 'languageId' | 'linePrefix' | 'lineSuffix'> {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) {
    lineEnd = text.length;
  }
  return { languageId, linePrefix: text.slice(lineStart, offset), lineSuffix: text.slice(offset, lineEnd).replace(/\r$/, '') };
}

/**
 * The cursor sits where people usually pause: at the end of a line that ends like a statement, a block
 * opener, a list item or a comment, or on an empty line.
 */
export function likelyPause(context: Pick<PostprocessContext, 'languageId' | 'linePrefix' | 'lineSuffix'>): boolean {
  if (context.lineSuffix.trim() !== '') {
    return false;
  }
  const line = context.linePrefix;
  if (line.trim() === '') {
    return true;
  }
  // A trailing space means more is coming on this line.
  if (/\s$/.test(line)) {
    return false;
  }
  if (/[;{})\],]$/.test(line) || line.endsWith('*/') || (context.languageId === 'python' && line.endsWith(':'))) {
    return true;
  }
  // A quote that closes a string (an even number of them on the line) can end a line too.
  const quote = line[line.length - 1] ?? '';
  return `'"\``.includes(quote) && line.split(quote).length % 2 === 1;
}
