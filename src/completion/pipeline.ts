/**
 * The inline-completion orchestrator: prefilter → typed-through reuse → model → cache → adaptive
 * debounce → FIM window → request → streamed post-processing → result. At most one generation runs per
 * document; a keystroke that contradicts its text aborts it at once (also while the server is still
 * reading the prompt), and one that agrees attaches to it instead of starting another. Before its first
 * token nobody can tell: `keepPending` (pendingPolicy.ts) weighs keeping it against asking anew, with the
 * measured share of answers that agreed with the typing.
 * The VS Code provider is a thin adapter over {@link CompletionPipeline.complete}.
 * Pure: no `vscode` import.
 */
import { chooseNumCtx } from '../context/budget';
import { fimWindow as defaultFimWindow } from '../context/fimWindow';
import type { FimWindow, FimWindowOptions } from '../context/fimWindow';
import { approximateCounter } from '../context/tokenCounter';
import type { TokenCounter } from '../context/tokenCounter';
import { TieredError, errors, isTieredError } from '../backend/errors';
import type { GenerateRequest, LlmBackend, ModelInfo, RequestMetrics } from '../backend/types';
import type { Settings } from '../settings/schema';
import type { Clock, Disposable } from '../util/clock';
import type { Logger } from '../util/logger';
import { AttemptLog } from './attemptLog';
import type { AttemptOutcome, PendingAttempt } from './attemptLog';
import { CompletionCache, completionCacheKey } from './cache';
import { AdaptiveDebounce } from './debounce';
import type { DebounceOptions } from './debounce';
import { LatencyHealth } from './latencyHealth';
import { AgreementEstimate, keepPending } from './pendingPolicy';
import { CompletionStream, firstLineOf, postprocessContext, toDocumentForm } from './postprocess';
import type { PostprocessContext } from './postprocess';
import { prefilter } from './prefilter';
import { anchorAt, matchTyped, typedSince } from './reuse';
import type { Anchor } from './reuse';
import { planFim } from './templates';
import type { FimPlan } from './templates';
import type { CompletionOutcome, CompletionRequest } from './types';

/** The model completions go to, with its backend. */
export interface ResolvedModel {
  readonly backend: LlmBackend;
  readonly model: ModelInfo;
  /** The model's time to first token if already known (e.g. from the router's speed statistics); optional. */
  readonly timeToFirstTokenMs?: number;
}

/** The FIM window function (see `src/context/fimWindow.ts`). */
export type FimWindowFunction = (text: string, offset: number, options: FimWindowOptions, counter: TokenCounter) => FimWindow;

/** Tunables; the defaults suit a local model on a small machine. */
export interface CompletionPipelineOptions {
  /**
   * Token budget of the text before the cursor. Default 1024: llama-server's /infill cuts the prefix to ¾ of its
   * batch (1536 model tokens), and a cut point that moves on every keystroke destroys KV-cache reuse.
   */
  readonly prefixTokens?: number;
  /**
   * Token budget of the text after the cursor. Default 64: the suffix follows the prefix in the prompt, so the
   * server recomputes it on every keystroke; a short suffix keeps ≥ 90 % of prompt tokens reusable (measured).
   */
  readonly suffixTokens?: number;
  /** Fixed `num_ctx` (default: from the budgets, one stable size per model, so Ollama never reloads for it). */
  readonly numCtx?: number;
  /** Finished completions kept. Default 256. */
  readonly cacheEntries?: number;
  /** Attempts kept for "Why No Completion?". Default 100. */
  readonly attemptLogSize?: number;
  /** Lines at most in a multiline completion. Default 20. */
  readonly maxLines?: number;
  /**
   * At the end of a finished line, the generation goes on for this many more lines; they are shown one
   * line at a time as the user types through (no new request per line). 0 turns it off. Default 3.
   */
  readonly hotStreakLines?: number;
  /**
   * A multiline completion still streaming this long after its first token is shown up to its last
   * complete line (the rest follows as the user types through). Default 100.
   */
  readonly showPartialAfterMs?: number;
  readonly temperature?: number;
  /** A generation nobody waits for any more is aborted after this long (the next keystroke may still attach). Default 250. */
  readonly orphanGraceMs?: number;
  /**
   * A generation that has not produced text yet is overdue once its first token is this many ms later than
   * the measured time to first token (e.g. the model is reloading): a keystroke then aborts it rather than
   * wait on. While the user types on, one whose first token is due within this many ms is kept. Default 200.
   * (Otherwise {@link keepPending} decides whether a keystroke keeps it.)
   */
  readonly maxPendingWaitMs?: number;
  /**
   * While the user types on, a generation that has not produced text yet is kept when generations agreed with
   * the typing at least this often (see {@link keepPending}). Default 0.5.
   */
  readonly minAgreementWhileTyping?: number;
  /**
   * A model whose time to first token exceeds this many of the user's typing gaps gets its requests sent
   * while the user types, not only in pauses (see `prefetchWhileTyping`). Default 0.5: only a model that
   * answers within half a keystroke gap is as quick from a request sent at the pause.
   */
  readonly prefetchOverTypingGaps?: number;
  /** Upper bound on one generation. Default 15000. */
  readonly generationTimeoutMs?: number;
  /** Documents whose state is kept. Default 16. */
  readonly maxDocuments?: number;
  readonly debounce?: DebounceOptions;
  /** Serve repeated positions from the cache. Default true (off only for baseline measurements). */
  readonly useCache?: boolean;
  /** Typed-through reuse and attaching to the stream in flight. Default true (off only for baseline measurements). */
  readonly useReuse?: boolean;
}

/** What the pipeline needs from the extension. */
export interface CompletionPipelineDeps {
  /**
   * The completion model and its backend. Called for each request that needs the model, so it must be
   * cheap: the caller keeps the model details cached (refreshing them on error or on a settings change)
   * and never lists the server's models per completion. The pipeline itself never calls `listModels`.
   */
  resolveModel(signal: AbortSignal): Promise<ResolvedModel | TieredError>;
  readonly clock: Clock;
  settings(): Settings;
  readonly logger: Logger;
  /** Defaults to `fimWindow` from the context engine. */
  readonly fimWindow?: FimWindowFunction;
  /** Defaults to `approximateCounter()`. */
  readonly counter?: TokenCounter;
  readonly options?: CompletionPipelineOptions;
}

/** Figures the status bar and benchmarks read. */
export interface PipelineStats {
  requestsSent: number;
  abortedGenerations: number;
  earlyStops: number;
  cacheHits: number;
  reuseHits: number;
  attachedToStream: number;
  /** Keystrokes that kept a generation still waiting for its first token (see `keepPending`). */
  keptPending: number;
}

/** The state the status bar shows. */
export type PipelineState = 'idle' | 'waiting' | 'generating' | 'error' | 'disabled';

type GenerationState = 'running' | 'done' | 'failed' | 'aborted';

/** One model request and its post-processed stream. */
class Generation {
  readonly controller = new AbortController();
  state: GenerationState = 'running';
  firstTokenAt: number | undefined;
  result: { readonly text: string; readonly why: string; readonly metrics: RequestMetrics | undefined } | undefined;
  error: TieredError | undefined;
  waiters = 0;
  earlyStop = false;
  /** Some caller was shown text from it (a hot streak then runs on without waiters). */
  served = false;
  /** Whether its answer agreed with what the user typed after its anchor, once its text showed it. */
  verdict: boolean | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly anchor: Anchor,
    readonly stream: CompletionStream,
    readonly model: string,
    readonly startedAt: number,
    readonly cacheKey: string,
    readonly context: PostprocessContext,
  ) {}

  /** The accepted text so far, in document form. */
  partialDocumentText(): string {
    return toDocumentForm(this.stream.partial, this.context.indent, this.context.lineEnding);
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}

interface DocumentState {
  seq: number;
  generation: Generation | undefined;
  last:
    | { readonly anchor: Anchor; readonly text: string; readonly model: string; readonly display: 'all' | 'firstLine'; readonly generation?: Generation }
    | undefined;
  graceTimer: Disposable | undefined;
}

// What an attached caller got: an outcome, or 'miss' (the generation no longer fits what was typed).
type AttachResult = CompletionOutcome | 'miss';

/** The pure inline-completion pipeline. One per extension; thread-safe in the JavaScript sense. */
export class CompletionPipeline {
  /** Every attempt, for "Tiered: Why No Completion?". */
  readonly attempts: AttemptLog;
  readonly cache: CompletionCache;
  readonly debounce: AdaptiveDebounce;
  /** How often generations kept through typing before their first token agreed with the typing. */
  readonly agreement = new AgreementEstimate();
  /** The completion model's recent times to first token and timeouts, for "Why No Completion?". */
  readonly latency = new LatencyHealth();
  readonly stats: PipelineStats = { requestsSent: 0, abortedGenerations: 0, earlyStops: 0, cacheHits: 0, reuseHits: 0, attachedToStream: 0, keptPending: 0 };
  private readonly documents = new Map<string, DocumentState>();
  private readonly plans = new Map<string, FimPlan>();
  private readonly options: Required<Omit<CompletionPipelineOptions, 'numCtx' | 'debounce'>> & { numCtx: number | undefined };
  private readonly window: FimWindowFunction;
  private readonly counter: TokenCounter;
  private stateListener: ((state: PipelineState, model: string | undefined) => void) | undefined;
  private lastModel: string | undefined;

  constructor(private readonly deps: CompletionPipelineDeps) {
    const o = deps.options ?? {};
    this.options = {
      prefixTokens: o.prefixTokens ?? 1024,
      suffixTokens: o.suffixTokens ?? 64,
      numCtx: o.numCtx,
      cacheEntries: o.cacheEntries ?? 256,
      attemptLogSize: o.attemptLogSize ?? 100,
      maxLines: o.maxLines ?? 20,
      hotStreakLines: o.hotStreakLines ?? 3,
      showPartialAfterMs: o.showPartialAfterMs ?? 100,
      temperature: o.temperature ?? 0.1,
      orphanGraceMs: o.orphanGraceMs ?? 250,
      maxPendingWaitMs: o.maxPendingWaitMs ?? 200,
      minAgreementWhileTyping: o.minAgreementWhileTyping ?? 0.5,
      prefetchOverTypingGaps: o.prefetchOverTypingGaps ?? 0.5,
      generationTimeoutMs: o.generationTimeoutMs ?? 15_000,
      maxDocuments: o.maxDocuments ?? 16,
      useCache: o.useCache ?? true,
      useReuse: o.useReuse ?? true,
    };
    this.attempts = new AttemptLog(this.options.attemptLogSize);
    this.cache = new CompletionCache(this.options.cacheEntries);
    this.debounce = new AdaptiveDebounce(deps.clock, o.debounce);
    this.window = deps.fimWindow ?? defaultFimWindow;
    this.counter = deps.counter ?? approximateCounter();
  }

  /** Called on every state change (for the status bar). */
  onState(listener: (state: PipelineState, model: string | undefined) => void): Disposable {
    this.stateListener = listener;
    return { dispose: () => (this.stateListener = undefined) };
  }

  /** The `num_ctx` sent for a model: fixed per model, from the window budgets and `completion.maxTokens`. */
  numCtxFor(model: ModelInfo, maxTokens: number): number {
    if (this.options.numCtx !== undefined) {
      return this.options.numCtx;
    }
    // Template sentinels and a safety margin for tokenizer differences (the budgets are estimates).
    const needed = Math.ceil((this.options.prefixTokens + this.options.suffixTokens) * 1.25) + maxTokens + 64;
    return chooseNumCtx(needed, model.contextLength ?? Number.POSITIVE_INFINITY);
  }

  /** Forgets cached plans and completions (call when the model or its details change). */
  invalidate(): void {
    this.plans.clear();
    this.cache.clear();
    for (const doc of this.documents.values()) {
      doc.last = undefined;
    }
  }

  /** Number of generations currently running (for tests and benchmarks). */
  get runningGenerations(): number {
    let n = 0;
    for (const doc of this.documents.values()) {
      if (doc.generation?.state === 'running') {
        n++;
      }
    }
    return n;
  }

  /** Aborts everything (extension deactivation). */
  dispose(): void {
    for (const doc of this.documents.values()) {
      this.abortGeneration(doc);
      doc.graceTimer?.dispose();
    }
    this.documents.clear();
  }

  /** The model completions last went to (for "Why No Completion?"). */
  get model(): string | undefined {
    return this.lastModel;
  }

  /** Records that the user accepted the suggestion shown for a document. */
  accepted(documentUri: string, languageId: string): void {
    this.attempts.recordAccepted(this.deps.clock.now(), documentUri, languageId, this.lastModel);
  }

  /**
   * One provider call. Resolves with what to show (or why nothing); never rejects. Abort `signal` when
   * VS Code cancels the call; a newer call for the same document supersedes this one anyway.
   */
  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionOutcome> {
    const attempt = this.attempts.begin(this.deps.clock.now(), request.documentUri, request.languageId);
    try {
      return await this.completeAttempt(request, signal, attempt);
    } finally {
      // Normally already recorded with its outcome; this covers an unexpected throw.
      this.attempts.end(attempt);
    }
  }

  private async completeAttempt(request: CompletionRequest, signal: AbortSignal, attempt: PendingAttempt): Promise<CompletionOutcome> {
    const clock = this.deps.clock;
    const started = attempt.at;
    const settings = this.deps.settings();
    if (!request.manual) {
      this.debounce.recordKeystroke(started);
    }
    const doc = this.documentState(request.documentUri);
    const seq = ++doc.seq;
    const finish = (outcome: CompletionOutcome, model?: string): CompletionOutcome => {
      this.log(request, attempt, outcome, model);
      return outcome;
    };

    const skip = prefilter(request, settings);
    if (skip !== undefined) {
      this.abortGeneration(doc);
      this.setState(skip.reason === 'disabled' || skip.reason === 'languageDisabled' || skip.reason === 'fileTooLarge' ? 'disabled' : 'idle');
      return finish({ kind: 'skipped', reason: skip.reason, message: skip.message });
    }

    // The generation in flight: attach when the typing agrees with it, else abort it right now.
    const running = doc.generation?.state === 'running' ? doc.generation : undefined;
    if (running !== undefined) {
      const typed = typedSince(running.anchor, request.documentUri, request.text, request.offset);
      const partial = running.partialDocumentText();
      const match = typed === undefined ? 'miss' : matchTyped(partial, typed, false).kind;
      if (typed !== undefined) {
        this.judge(running, partial, typed, false);
      }
      // Before the first token nobody knows whether the typing agrees with the answer.
      const waitingForFirstToken = running.firstTokenAt === undefined && typed !== '';
      const keep = this.options.useReuse && typed !== undefined && match === 'pending' && (!waitingForFirstToken || this.keepWhilePending(running, request, settings));
      if (keep) {
        if (waitingForFirstToken) {
          this.stats.keptPending++;
        }
        this.stats.attachedToStream++;
        attempt.stage = 'waitingForModel';
        attempt.model = running.model;
        const result = await this.attach(running, typed, signal, doc, seq);
        if (result !== 'miss') {
          return finish(result, running.model);
        }
      } else {
        this.abortGeneration(doc);
      }
    }

    // A finished suggestion the user is typing through.
    if (doc.last !== undefined && this.options.useReuse) {
      const typed = typedSince(doc.last.anchor, request.documentUri, request.text, request.offset);
      if (typed !== undefined && doc.last.generation !== undefined) {
        this.judge(doc.last.generation, doc.last.text, typed, true);
      }
      const match = typed === undefined ? undefined : matchTyped(doc.last.text, typed, true);
      if (match?.kind === 'hit') {
        this.stats.reuseHits++;
        const text = doc.last.display === 'firstLine' ? firstLineOf(match.remainder, true).line : match.remainder;
        return finish({ kind: 'shown', text, source: 'reused', model: doc.last.model }, doc.last.model);
      }
      doc.last = undefined;
    }

    let resolved: ResolvedModel | TieredError;
    attempt.stage = 'choosingModel';
    try {
      resolved = await this.deps.resolveModel(signal);
    } catch (error) {
      resolved = isTieredError(error) ? error : new TieredError('badResponse', `Could not choose a completion model: ${String(error)}`);
    }
    if (isTieredError(resolved)) {
      this.setState('error');
      return finish({ kind: 'error', error: resolved });
    }
    if (signal.aborted || doc.seq !== seq) {
      return finish({ kind: 'debounced' });
    }
    const { backend, model } = resolved;
    if (this.lastModel !== model.name) {
      this.debounce.seedTimeToFirstToken(resolved.timeToFirstTokenMs);
      this.latency.clear();
    }
    this.lastModel = model.name;
    const plan = this.planFor(model, backend);
    if (plan.kind === 'unsupported') {
      this.setState('error');
      return finish({ kind: 'error', error: plan.error }, model.name);
    }

    const cacheKey = completionCacheKey(model.name, request.text, request.offset);
    const context = postprocessContext(request.text, request.offset, {
      languageId: request.languageId,
      multiline: settings['completion.multiline'],
      family: plan.family,
      indent: request.indent,
      lineEnding: request.lineEnding,
      maxLines: this.options.maxLines,
      hotStreakLines: this.options.useReuse ? this.options.hotStreakLines : 0,
    });
    const cached = this.options.useCache ? this.cache.get(cacheKey) : undefined;
    if (cached !== undefined) {
      this.stats.cacheHits++;
      if (cached === '') {
        return finish({ kind: 'empty', model: model.name, why: 'cached: nothing to suggest here' }, model.name);
      }
      const text = toDocumentForm(cached, request.indent, request.lineEnding);
      doc.last = { anchor: anchorAt(request.documentUri, request.text, request.offset), text, model: model.name, display: context.display };
      const shownText = context.display === 'firstLine' ? firstLineOf(text, true).line : text;
      return finish({ kind: 'shown', text: shownText, source: 'cache', model: model.name }, model.name);
    }

    const delay = this.debounce.delayMs(settings['completion.debounceMs'], { manual: request.manual, likelyPause: likelyPause(context) || this.prefetchWhileTyping() });
    this.setState('waiting', model.name);
    attempt.stage = 'debouncing';
    attempt.model = model.name;
    // The debounce counts from the keystroke: time spent waiting on a generation that then missed was a
    // pause too, and must not be waited again.
    const waited = await this.debounce.wait(Math.max(0, delay - (clock.now() - started)), signal);
    if (!waited || doc.seq !== seq) {
      return finish({ kind: 'debounced' });
    }

    const generation = this.startGeneration(request, doc, backend, model, plan, context, cacheKey, settings);
    attempt.stage = 'waitingForModel';
    const result = await this.attach(generation, '', signal, doc, seq);
    return finish(result === 'miss' ? { kind: 'cancelled' } : result, model.name);
  }

  private planFor(model: ModelInfo, backend: LlmBackend): FimPlan {
    const key = `${backend.id}\u0000${model.name}`;
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = planFim(model, backend.kind);
      this.plans.set(key, plan);
    }
    return plan;
  }

  private startGeneration(
    request: CompletionRequest,
    doc: DocumentState,
    backend: LlmBackend,
    model: ModelInfo,
    plan: Exclude<FimPlan, { kind: 'unsupported' }>,
    context: PostprocessContext,
    cacheKey: string,
    settings: Settings,
  ): Generation {
    const clock = this.deps.clock;
    const window = this.window(request.text, request.offset, { prefixTokens: this.options.prefixTokens, suffixTokens: this.options.suffixTokens }, this.counter);
    const maxTokens = settings['completion.maxTokens'];
    const common = {
      model: model.name,
      numCtx: this.numCtxFor(model, maxTokens),
      numPredict: maxTokens,
      temperature: this.options.temperature,
      stop: plan.stops,
      keepAlive: settings.keepAlive,
    };
    let generateRequest: GenerateRequest;
    if (plan.kind === 'raw') {
      generateRequest = { ...common, prompt: plan.template.build(window.prefix, window.suffix), raw: true };
    } else if (backend.kind === 'ollama') {
      // Ollama: an empty prompt with a suffix answers "load" with no text, and an empty suffix is not FIM.
      generateRequest = { ...common, prompt: window.prefix === '' ? '\n' : window.prefix, suffix: window.suffix === '' ? '\n' : window.suffix };
    } else {
      generateRequest = { ...common, prompt: window.prefix, suffix: window.suffix };
    }
    const generation = new Generation(anchorAt(request.documentUri, request.text, request.offset), new CompletionStream(context), model.name, clock.now(), cacheKey, context);
    doc.generation = generation;
    this.stats.requestsSent++;
    this.setState('generating', model.name);
    void this.run(generation, backend, { ...generateRequest, signal: generation.controller.signal }, doc);
    return generation;
  }

  private async run(generation: Generation, backend: LlmBackend, request: GenerateRequest, doc: DocumentState): Promise<void> {
    const clock = this.deps.clock;
    const timeout = clock.setTimeout(() => {
      if (generation.state === 'running') {
        if (generation.firstTokenAt === undefined) {
          this.latency.recordTimeout();
        }
        generation.error = errors.timeout(backend.baseUrl, this.options.generationTimeoutMs);
        generation.state = 'failed';
        generation.controller.abort();
        generation.notify();
      }
    }, this.options.generationTimeoutMs);
    let metrics: RequestMetrics | undefined;
    try {
      for await (const event of backend.generate(request)) {
        if (generation.state !== 'running') {
          break;
        }
        if (event.type === 'done') {
          metrics = event.result.metrics;
          break;
        }
        if (generation.firstTokenAt === undefined) {
          generation.firstTokenAt = clock.now();
          this.debounce.recordTimeToFirstToken(generation.firstTokenAt - generation.startedAt);
          this.latency.recordFirstToken(generation.firstTokenAt - generation.startedAt);
        }
        if (generation.stream.push(event.text)) {
          // Complete: leaving the loop closes the HTTP stream, so the server stops generating.
          generation.earlyStop = true;
          this.stats.earlyStops++;
          break;
        }
        generation.notify();
      }
      if (generation.state === 'running') {
        const done = generation.stream.finish();
        generation.result = { text: done.text, why: done.why, metrics };
        generation.state = 'done';
        this.cache.set(generation.cacheKey, done.lfText);
        if (doc.generation === generation) {
          doc.last = done.text.trim() === '' ? undefined : { anchor: generation.anchor, text: done.text, model: generation.model, display: generation.context.display, generation };
        }
        this.setState('idle', generation.model);
      }
    } catch (error) {
      if (generation.state === 'running') {
        if (generation.controller.signal.aborted) {
          generation.state = 'aborted';
        } else {
          generation.state = 'failed';
          generation.error = isTieredError(error) ? error : new TieredError('badResponse', `The completion request failed: ${String(error)}`);
          this.deps.logger.warn(`Completion request failed: ${generation.error.message}`);
          this.setState('error', generation.model);
        }
      }
    } finally {
      timeout.dispose();
      if (generation.earlyStop) {
        // Belt and braces: make sure the request is torn down even if the iterator ignored the break.
        generation.controller.abort();
      }
      if (doc.generation === generation) {
        doc.generation = undefined;
      }
      generation.notify();
    }
  }

  /**
   * Waits on a generation for the caller that typed `typed` since its anchor. Resolves with the rest of
   * the suggestion, 'cancelled' when the caller is gone or superseded, or 'miss' when the generation
   * turned out not to match the typing (it is then aborted).
   */
  private attach(generation: Generation, typed: string, signal: AbortSignal, doc: DocumentState, seq: number): Promise<AttachResult> {
    doc.graceTimer?.dispose();
    doc.graceTimer = undefined;
    generation.waiters++;
    return new Promise<AttachResult>((resolve) => {
      let settled = false;
      const settle = (result: AttachResult): void => {
        if (settled) {
          return;
        }
        settled = true;
        unlisten();
        signal.removeEventListener('abort', check);
        generation.waiters--;
        if (generation.waiters === 0 && generation.state === 'running' && !generation.served) {
          this.scheduleOrphanAbort(generation, doc);
        }
        resolve(result);
      };
      const check = (): void => {
        if (signal.aborted || doc.seq !== seq) {
          settle({ kind: 'cancelled' });
          return;
        }
        if (generation.state === 'aborted') {
          settle(typed === '' ? { kind: 'cancelled' } : 'miss');
          return;
        }
        if (generation.state === 'failed') {
          const error = generation.error ?? errors.aborted();
          settle(error.kind === 'aborted' ? { kind: 'cancelled' } : { kind: 'error', error });
          return;
        }
        const finished = generation.state === 'done';
        const text = finished ? (generation.result?.text ?? '') : generation.partialDocumentText();
        this.judge(generation, text, typed, finished);
        const match = matchTyped(text, typed, finished);
        const show = (shownText: string): void => {
          if (typed !== '') {
            this.stats.reuseHits++;
          }
          generation.served = true;
          settle({ kind: 'shown', text: shownText, source: typed === '' ? 'model' : 'reused', model: generation.model, metrics: generation.result?.metrics });
        };
        if (generation.context.display === 'firstLine' && (match.kind === 'hit' || (match.kind === 'pending' && text.startsWith(typed)))) {
          // Hot streak: show the first line as soon as it is complete; the stream goes on for the next ones.
          const first = firstLineOf(text.slice(typed.length), finished);
          if (first.complete && first.line.trim() !== '') {
            show(first.line);
            return;
          }
        }
        if (!finished && match.kind === 'pending' && text.startsWith(typed) && generation.firstTokenAt !== undefined) {
          // A slow multiline answer: show its complete lines rather than keep the user waiting.
          const remainder = text.slice(typed.length);
          const lastBreak = remainder.lastIndexOf('\n');
          const lines = lastBreak > 0 ? remainder.slice(0, lastBreak).replace(/\s+$/, '') : '';
          if (lines.trim() !== '' && this.deps.clock.now() - generation.firstTokenAt >= this.options.showPartialAfterMs) {
            show(lines);
            return;
          }
        }
        if (match.kind === 'hit') {
          show(match.remainder);
        } else if (match.kind === 'miss') {
          if (finished) {
            settle(typed === '' ? { kind: 'empty', model: generation.model, why: generation.result?.why || 'no text' } : 'miss');
          } else {
            // The stream went another way than the user typed: it is useless now.
            this.abortOne(generation);
            settle('miss');
          }
        }
      };
      const unlisten = generation.listen(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  /**
   * Whether a keystroke keeps a generation that has not produced text yet (see {@link keepPending}). Never once
   * its first token is overdue (the model may be reloading).
   */
  private keepWhilePending(generation: Generation, request: CompletionRequest, settings: Settings): boolean {
    const ttft = this.debounce.timeToFirstTokenMs;
    const age = this.deps.clock.now() - generation.startedAt;
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
  private prefetchWhileTyping(): boolean {
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
  private judge(generation: Generation, text: string, typed: string, finished: boolean): void {
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

  private scheduleOrphanAbort(generation: Generation, doc: DocumentState): void {
    doc.graceTimer?.dispose();
    doc.graceTimer = this.deps.clock.setTimeout(() => {
      doc.graceTimer = undefined;
      if (generation.waiters === 0 && generation.state === 'running') {
        this.abortOne(generation);
      }
    }, this.options.orphanGraceMs);
  }

  private abortGeneration(doc: DocumentState): void {
    const generation = doc.generation;
    if (generation !== undefined && generation.state === 'running') {
      this.abortOne(generation);
    }
    doc.generation = undefined;
  }

  private abortOne(generation: Generation): void {
    if (generation.state !== 'running') {
      return;
    }
    generation.state = 'aborted';
    generation.controller.abort();
    this.stats.abortedGenerations++;
    if (generation.firstTokenAt === undefined) {
      this.debounce.recordTimeToFirstTokenAtLeast(this.deps.clock.now() - generation.startedAt);
    }
    generation.notify();
  }

  private documentState(uri: string): DocumentState {
    let doc = this.documents.get(uri);
    if (doc === undefined) {
      doc = { seq: 0, generation: undefined, last: undefined, graceTimer: undefined };
      this.documents.set(uri, doc);
      if (this.documents.size > this.options.maxDocuments) {
        const [oldestUri, oldest] = this.documents.entries().next().value ?? [];
        if (oldestUri !== undefined && oldest !== undefined) {
          this.abortGeneration(oldest);
          oldest.graceTimer?.dispose();
          this.documents.delete(oldestUri);
        }
      }
    } else {
      // Most recently used last.
      this.documents.delete(uri);
      this.documents.set(uri, doc);
    }
    return doc;
  }

  private setState(state: PipelineState, model?: string): void {
    this.stateListener?.(state, model ?? this.lastModel);
  }

  private log(request: CompletionRequest, attempt: PendingAttempt, outcome: CompletionOutcome, model: string | undefined): void {
    const now = this.deps.clock.now();
    const started = attempt.at;
    const base = { id: attempt.id, at: started, durationMs: now - started, documentUri: request.documentUri, languageId: request.languageId, model };
    let kind: AttemptOutcome;
    let detail = '';
    switch (outcome.kind) {
      case 'shown':
        kind = outcome.source === 'cache' ? 'cached' : outcome.source === 'reused' ? 'reused' : 'shown';
        detail = `${outcome.text.split(/\r?\n/).length} line(s)`;
        break;
      case 'skipped':
        kind = 'skipped';
        detail = outcome.message;
        break;
      case 'debounced':
        kind = 'debounced';
        break;
      case 'cancelled':
        kind = 'cancelled';
        break;
      case 'empty':
        kind = 'empty';
        detail = outcome.why;
        break;
      case 'error':
        kind = 'error';
        detail = outcome.error.message;
        this.attempts.record({ ...base, outcome: kind, detail, errorKind: outcome.error.kind, action: outcome.error.action });
        this.deps.logger.debug(`completion: error ${outcome.error.kind}`);
        return;
    }
    if (request.reasked === true) {
      detail = `${detail ? `${detail} ` : ''}(the editor had not asked after the keystroke; Tiered asked)`;
    }
    this.attempts.record({ ...base, outcome: kind, detail });
    this.deps.logger.trace(`completion: ${kind}${detail ? ` (${detail})` : ''} in ${Math.round(now - started)} ms`);
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
