/**
 * Stage "request policy": when a request goes out, and whether a keystroke keeps the one in flight. It
 * holds what the policy learns: the user's keystroke rhythm and the model's time to first token
 * ({@link AdaptiveDebounce}) and how often answers agreed with the typing ({@link AgreementEstimate}).
 * Pure: no `vscode` import.
 */
import type { Settings } from '../../settings/schema';
import type { Clock } from '../../util/clock';
import { AdaptiveDebounce } from '../debounce';
import type { DebounceOptions } from '../debounce';
import { AgreementEstimate, keepPending } from '../pendingPolicy';
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
}

/** When to ask the model, learned from the user's typing and the model's answers. */
export class RequestPolicy {
  readonly debounce: AdaptiveDebounce;
  /** How often generations kept through typing before their first token agreed with the typing. */
  readonly agreement = new AgreementEstimate();

  constructor(
    private readonly clock: Clock,
    private readonly options: RequestPolicyOptions,
  ) {
    this.debounce = new AdaptiveDebounce(clock, options.debounce);
  }

  /** The wait before a request for this position goes out. */
  delayMs(settings: Settings, request: CompletionRequest, context: Pick<PostprocessContext, 'languageId' | 'linePrefix' | 'lineSuffix'>): number {
    return this.debounce.delayMs(settings['completion.debounceMs'], { manual: request.manual, likelyPause: likelyPause(context) || this.prefetchWhileTyping() });
  }

  /**
   * Whether a keystroke keeps a generation that has not produced text yet (see {@link keepPending}). Never once
   * its first token is overdue (the model may be reloading).
   */
  keepWhilePending(generation: Generation, request: CompletionRequest, settings: Settings): boolean {
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
