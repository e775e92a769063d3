/**
 * The inline-completion orchestrator. Each provider call runs the stages in order, any of which may answer:
 *
 * 1. prefilter — completions off, file too large, mid-word… (`prefilter.ts`)
 * 2. in flight — attach to the document's running generation when the typing agrees with it, else abort it
 *    (`stages/attach.ts`, with the request policy deciding about one still before its first token)
 * 3. typed-through reuse — the rest of a finished suggestion the user is typing through (`reuse.ts`)
 * 4. model — the completion model and its FIM plan (`templates.ts`)
 * 5. cache — a finished completion for this very position (`cache.ts`)
 * 6. request policy — wait for a pause, learned from the user's rhythm (`stages/requestPolicy.ts`)
 * 7. context and prompt — FIM window, repository context, the backend request (`stages/prompt.ts`)
 * 8. generation — stream, post-process, stop early, cache (`stages/generation.ts`), and wait on it; one at a
 *    time on the server, aborted or drained when typed past (`stages/serverGenerations.ts`)
 *
 * Besides the provider calls: the continuation after an accept ({@link CompletionPipeline.prepareContinuation}),
 * and idle time after a pause — repository context chosen again, the server's cache warmed (`stages/idle.ts`,
 * `stages/warmUp.ts`).
 *
 * At most one generation runs per document. The VS Code provider is a thin adapter over {@link CompletionPipeline.complete}.
 * Pure: no `vscode` import.
 */
import { chooseNumCtx } from '../context/budget';
import { fimWindow as defaultFimWindow } from '../context/fimWindow';
import { approximateCounter } from '../context/tokenCounter';
import type { TokenCounter } from '../context/tokenCounter';
import { TieredError, isTieredError } from '../backend/errors';
import type { LlmBackend, ModelInfo } from '../backend/types';
import type { Settings } from '../settings/schema';
import type { Disposable } from '../util/clock';
import { AttemptLog } from './attemptLog';
import type { PendingAttempt } from './attemptLog';
import { CompletionCache, completionCacheKey } from './cache';
import type { AdaptiveDebounce } from './debounce';
import { LatencyHealth } from './latencyHealth';
import type { AgreementEstimate } from './pendingPolicy';
import type { CompletionPipelineDeps, CompletionPipelineOptions, PipelineState, PipelineStats, ResolvedModel } from './pipelineTypes';
import { CompletionStream, firstLineOf, postprocessContext, toDocumentForm } from './postprocess';
import type { PostprocessContext } from './postprocess';
import { prefilter } from './prefilter';
import { anchorAt, matchTyped, typedSince } from './reuse';
import { DocumentStates } from './stages/documents';
import type { DocumentState } from './stages/documents';
import { Generation } from './stages/generation';
import { recordOutcome } from './stages/outcomeLog';
import { IdleRefresh, whenQuiet } from './stages/idle';
import { buildPrompt, refreshRepoContext, repoContextFor } from './stages/prompt';
import type { BuiltPrompt, FimWindowFunction, UsablePlan } from './stages/prompt';
import { RequestPolicy } from './stages/requestPolicy';
import { ServerGenerations } from './stages/serverGenerations';
import { WarmUps } from './stages/warmUp';
import { planFim } from './templates';
import type { FimPlan } from './templates';
import type { CompletionOutcome, CompletionRequest } from './types';

export type { CompletionPipelineDeps, CompletionPipelineOptions, PipelineState, PipelineStats, ResolvedModel } from './pipelineTypes';
export type { FimWindowFunction } from './stages/prompt';
export { lineAround, likelyPause } from './stages/requestPolicy';

type Options = Required<Omit<CompletionPipelineOptions, 'numCtx' | 'debounce' | 'repoContextTokens'>> & { numCtx: number | undefined; repoContextTokens: number };

/** A call this soon after the user took a whole suggestion asks for the next one without waiting for a pause. */
const continuationWindowMs = 1500;

/** A resolved model with its usable FIM plan. */
interface ModelChoice {
  readonly backend: LlmBackend;
  readonly model: ModelInfo;
  readonly plan: UsablePlan;
}

/** The pure inline-completion pipeline. One per extension; thread-safe in the JavaScript sense. */
export class CompletionPipeline {
  /** Every attempt, for "Tiered: Why No Completion?". */
  readonly attempts: AttemptLog;
  readonly cache: CompletionCache;
  /** When requests go out, learned from the typing and the model's answers. */
  readonly policy: RequestPolicy;
  /** The completion model's recent times to first token and timeouts, for "Why No Completion?". */
  readonly latency = new LatencyHealth();
  readonly stats: PipelineStats = { requestsSent: 0, abortedGenerations: 0, earlyStops: 0, cacheHits: 0, reuseHits: 0, attachedToStream: 0, keptPending: 0 };
  /** Zero-token requests that load a changed prompt into the server's cache while the user is idle. */
  readonly warmUps = new WarmUps();
  /** The repository context chosen again in idle time after a pause (see {@link whenIdle}). */
  readonly idle = new IdleRefresh();
  private readonly documents: DocumentStates;
  /** The generations on the server (stage 8's running side). */
  private readonly server: ServerGenerations;
  private readonly plans = new Map<string, FimPlan>();
  private readonly options: Options;
  private readonly window: FimWindowFunction;
  private readonly counter: TokenCounter;
  private stateListener: ((state: PipelineState, model: string | undefined) => void) | undefined;
  private lastDocumentUri: string | undefined;
  private lastModel: string | undefined;

  constructor(private readonly deps: CompletionPipelineDeps) {
    const o = deps.options ?? {};
    const prefixTokens = o.prefixTokens ?? 1024;
    const suffixTokens = o.suffixTokens ?? 64;
    this.options = {
      prefixTokens,
      suffixTokens,
      repoContextTokens: o.repoContextTokens ?? Math.round((prefixTokens + suffixTokens) / 4),
      numCtx: o.numCtx,
      cacheEntries: o.cacheEntries ?? 256,
      attemptLogSize: o.attemptLogSize ?? 100,
      maxLines: o.maxLines ?? 20,
      hotStreakLines: o.hotStreakLines ?? 3,
      showPartialAfterMs: o.showPartialAfterMs ?? 100,
      showPartialLineAfterMs: o.showPartialLineAfterMs ?? 80,
      temperature: o.temperature ?? 0.1,
      orphanGraceMs: o.orphanGraceMs ?? 250,
      maxPendingWaitMs: o.maxPendingWaitMs ?? 200,
      minAgreementWhileTyping: o.minAgreementWhileTyping ?? 0.5,
      prefetchOverTypingGaps: o.prefetchOverTypingGaps ?? 0.5,
      generationTimeoutMs: o.generationTimeoutMs ?? 15_000,
      maxDocuments: o.maxDocuments ?? 16,
      useCache: o.useCache ?? true,
      useReuse: o.useReuse ?? true,
      slot: o.slot ?? 0,
    };
    this.attempts = new AttemptLog(this.options.attemptLogSize);
    this.cache = new CompletionCache(this.options.cacheEntries);
    this.policy = new RequestPolicy(deps.clock, { ...this.options, ...(o.debounce !== undefined ? { debounce: o.debounce } : {}) });
    this.documents = new DocumentStates(this.options.maxDocuments, (doc) => {
      this.server.abortDocument(doc);
      doc.graceTimer?.dispose();
    });
    this.server = new ServerGenerations({
      clock: deps.clock,
      logger: deps.logger,
      policy: this.policy,
      latency: this.latency,
      cache: this.cache,
      warmUps: this.warmUps,
      stats: this.stats,
      options: this.options,
      costAware: () => this.deps.settings()['completion.requestPolicy'] === 'costAware',
      setState: (state, model) => this.setState(state, model),
      documents: () => this.documents.values(),
    });
    this.window = deps.fimWindow ?? defaultFimWindow;
    this.counter = deps.counter ?? approximateCounter();
  }

  /** The user's rhythm and the model's time to first token. */
  get debounce(): AdaptiveDebounce {
    return this.policy.debounce;
  }

  /** How often generations kept through typing before their first token agreed with the typing. */
  get agreement(): AgreementEstimate {
    return this.policy.agreement;
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
    const contextTokens = this.deps.repoContext !== undefined ? this.options.repoContextTokens : 0;
    // Template sentinels and a safety margin for tokenizer differences (the budgets are estimates).
    const needed = Math.ceil((this.options.prefixTokens + this.options.suffixTokens + contextTokens) * 1.25) + maxTokens + 64;
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
    return this.server.running;
  }

  /** Aborts everything (extension deactivation). */
  dispose(): void {
    this.server.dispose();
    this.warmUps.abort();
    this.documents.clear();
  }

  /** The model completions last went to (for "Why No Completion?"). */
  get model(): string | undefined {
    return this.lastModel;
  }

  /** Records that the user accepted the suggestion shown for a document: the next one is asked at once. */
  accepted(documentUri: string, languageId: string): void {
    const now = this.deps.clock.now();
    this.attempts.recordAccepted(now, documentUri, languageId, this.lastModel);
    const doc = this.documents.peek(documentUri);
    if (doc !== undefined) {
      doc.tookWholeAt = now;
    }
    this.deps.repoContext?.notify({ kind: 'accepted', documentUri });
  }

  /**
   * Starts the request for the suggestion after an accepted one right away (the editor's own call then finds
   * it in flight, or finished), so the next ghost text is ready when the editor asks. Resolves true when a
   * suggestion is ready for that position (false when superseded or empty); never rejects. Does nothing under
   * the classic policy.
   */
  async prepareContinuation(request: CompletionRequest): Promise<boolean> {
    if (this.deps.settings()['completion.requestPolicy'] === 'classic') {
      return false;
    }
    const doc = this.documents.get(request.documentUri);
    doc.tookWholeAt = this.deps.clock.now();
    const attempt = this.attempts.begin(this.deps.clock.now(), request.documentUri, request.languageId);
    try {
      const outcome = await this.completeAttempt({ ...request, manual: false }, new AbortController().signal, attempt, true);
      return outcome.kind === 'shown';
    } finally {
      this.attempts.end(attempt);
    }
  }

  /**
   * One provider call. Resolves with what to show (or why nothing); never rejects. Abort `signal` when
   * VS Code cancels the call; a newer call for the same document supersedes this one anyway.
   */
  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionOutcome> {
    const attempt = this.attempts.begin(this.deps.clock.now(), request.documentUri, request.languageId);
    try {
      return await this.completeAttempt(request, signal, attempt, false);
    } finally {
      // Normally already recorded with its outcome; this covers an unexpected throw.
      this.attempts.end(attempt);
    }
  }

  /**
   * The stages, in order; the first that answers ends the attempt. `background`: Tiered's own request for a
   * continuation (no keystroke, supersedes nobody, not logged as an attempt).
   */
  private async completeAttempt(request: CompletionRequest, signal: AbortSignal, attempt: PendingAttempt, background: boolean): Promise<CompletionOutcome> {
    const started = attempt.at;
    const settings = this.deps.settings();
    if (!request.manual && !background) {
      this.policy.recordKeystroke(started, request);
    }
    if (!background) {
      this.idle.interrupt();
    }
    const doc = this.documents.get(request.documentUri);
    if (!background && this.lastDocumentUri !== request.documentUri) {
      this.deps.repoContext?.notify({ kind: 'fileSwitch', fromUri: this.lastDocumentUri, toUri: request.documentUri });
      this.lastDocumentUri = request.documentUri;
    }
    const seq = background ? doc.seq : ++doc.seq;
    const isCurrent = (): boolean => doc.seq === seq;
    const finish = (outcome: CompletionOutcome, model?: string): CompletionOutcome => {
      if (!background) {
        recordOutcome(this.attempts, this.deps.logger, this.deps.clock.now(), request, attempt, outcome, model);
      }
      return outcome;
    };

    // 1. Prefilter.
    const skip = prefilter(request, settings);
    if (skip !== undefined) {
      if (background) {
        return { kind: 'skipped', reason: skip.reason, message: skip.message };
      }
      this.server.abortDocument(doc);
      this.setState(skip.reason === 'disabled' || skip.reason === 'languageDisabled' || skip.reason === 'fileTooLarge' ? 'disabled' : 'idle');
      return finish({ kind: 'skipped', reason: skip.reason, message: skip.message });
    }

    // 2. The generation in flight.
    if (background && doc.generation?.state === 'running') {
      // The editor's own call got there first.
      return { kind: 'cancelled' };
    }
    const followed = await this.followInFlight(doc, request, settings, signal, attempt, isCurrent);
    if (followed !== undefined) {
      return finish(followed.outcome, followed.model);
    }

    // 3. A finished suggestion the user is typing through.
    const reused = this.reuseFinished(doc, request);
    if (reused !== undefined) {
      if (background) {
        return reused;
      }
      return finish(reused, reused.kind === 'shown' ? reused.model : undefined);
    }

    // 4. The model.
    attempt.stage = 'choosingModel';
    const choice = await this.chooseModel(signal);
    if ('error' in choice) {
      this.setState('error');
      return finish({ kind: 'error', error: choice.error }, choice.model);
    }
    if (signal.aborted || !isCurrent()) {
      return finish({ kind: 'debounced' });
    }
    const { model } = choice;

    // 5. The cache.
    const cacheKey = completionCacheKey(model.name, request.text, request.offset);
    const context = this.postprocessContextFor(request, settings, choice.plan);
    const cached = this.fromCache(doc, request, cacheKey, context, model.name);
    if (cached !== undefined) {
      return finish(cached, model.name);
    }

    // 6. Request policy: wait for a pause.
    this.setState('waiting', model.name);
    attempt.stage = 'debouncing';
    attempt.model = model.name;
    const continuation = doc.tookWholeAt !== undefined && started - doc.tookWholeAt <= continuationWindowMs;
    const delay = this.policy.delayMs(settings, request, context, continuation);
    // The debounce counts from the keystroke: time spent waiting on a generation that then missed was a
    // pause too, and must not be waited again.
    const waited = await this.policy.debounce.wait(Math.max(0, delay - (this.deps.clock.now() - started)), signal);
    if (!waited || !isCurrent()) {
      return finish({ kind: 'debounced' });
    }

    // 7. Context and prompt (the repository context may change at a pause, never while the user types).
    if (this.policy.lastTiming?.reason !== 'early' && !continuation) {
      this.deps.repoContext?.notify({ kind: 'pause', documentUri: request.documentUri });
    }
    const prompt = await this.promptFor(request, choice, settings, signal);
    if (signal.aborted || !isCurrent()) {
      return finish({ kind: 'debounced' });
    }
    const freshRead = !this.warmUps.holds(prompt.stableKey);
    this.warmUps.sentReal(prompt.stableKey);

    // 8. Generation (or the one another call started for this very position meanwhile, e.g. a continuation).
    const meanwhile = doc.generation?.state === 'running' ? doc.generation : undefined;
    if (meanwhile !== undefined && typedSince(meanwhile.anchor, request.documentUri, request.text, request.offset) === '') {
      attempt.stage = 'waitingForModel';
      const joined = await this.server.attach(meanwhile, '', signal, doc, isCurrent);
      return finish(joined === 'miss' ? { kind: 'cancelled' } : joined, meanwhile.model);
    }
    const purpose = request.manual ? 'manual' : continuation ? 'continuation' : (this.policy.lastTiming?.reason === 'early' ? 'typing' : 'pause');
    const generation = new Generation(anchorAt(request.documentUri, request.text, request.offset), new CompletionStream(context), model.name, this.deps.clock.now(), cacheKey, context, purpose);
    generation.freshRead = freshRead;
    if (continuation) {
      doc.tookWholeAt = undefined;
    }
    this.policy.lastSentTiming = this.policy.lastTiming;
    this.server.start(generation, doc, choice.backend, prompt.request);
    attempt.stage = 'waitingForModel';
    const result = await this.server.attach(generation, '', signal, doc, isCurrent);
    return finish(result === 'miss' ? { kind: 'cancelled' } : result, model.name);
  }

  /** Stage 7: repository context (if a source is plugged in) and the backend request. */
  private async promptFor(
    request: CompletionRequest,
    choice: ModelChoice,
    settings: Settings,
    signal: AbortSignal,
  ): Promise<BuiltPrompt & { readonly stableKey: string }> {
    const { model } = choice;
    const inputs = { request, model, backendKind: choice.backend.kind, plan: choice.plan };
    const repoContext = await repoContextFor(this.deps.repoContext, inputs, this.options.repoContextTokens, signal);
    const maxTokens = settings['completion.maxTokens'];
    const prompt = buildPrompt(
      {
        ...inputs,
        window: this.window,
        counter: this.counter,
        prefixTokens: this.options.prefixTokens,
        suffixTokens: this.options.suffixTokens,
        common: {
          model: model.name,
          numCtx: this.numCtxFor(model, maxTokens),
          numPredict: maxTokens,
          temperature: this.options.temperature,
          stop: choice.plan.stops,
          keepAlive: settings.keepAlive,
          // One slot on llama-server: the next request, and the work of an aborted one, reuse its cached prompt.
          ...(choice.backend.kind === 'openai' && settings['completion.requestPolicy'] === 'costAware' ? { slot: this.options.slot } : {}),
        },
      },
      repoContext,
    );
    // What stays the same while the user types in this file: the model, the document and its context.
    return { ...prompt, stableKey: `${model.name}\u0000${request.documentUri}\u0000${repoContext?.key ?? ''}` };
  }

  /**
   * Loads the prompt for `request` into the server's cache with a zero-token request, when its stable part
   * (model, document, repository context) is not what the server last read, nothing else runs, and the
   * cost-aware policy is on with llama-server (Ollama reloads nothing and keeps one sequence). Call it when
   * the user is idle after switching files. Resolves true when a warm-up was read; never rejects.
   */
  async warmUp(request: CompletionRequest): Promise<boolean> {
    const settings = this.deps.settings();
    if (settings['completion.requestPolicy'] !== 'costAware' || this.runningGenerations > 0 || this.warmUps.active) {
      return false;
    }
    // Only what would stop a real request counts (the cursor in a word does not make the prompt useless).
    if (prefilter({ ...request, manual: true }, settings) !== undefined) {
      return false;
    }
    const signal = new AbortController().signal;
    const choice = await this.chooseModel(signal);
    if ('error' in choice || choice.backend.kind !== 'openai' || this.runningGenerations > 0) {
      return false;
    }
    const prompt = await this.promptFor(request, choice, settings, signal);
    if (!this.warmUps.needed(prompt.stableKey) || this.runningGenerations > 0) {
      return false;
    }
    return this.warmUps.run(prompt.stableKey, choice.backend, prompt.request, this.policy.busy, this.deps.clock);
  }

  /**
   * The user has been idle in `request`'s document (the adapter calls this a while after the last edit): a
   * pause. Once nothing runs on the server, the repository context may be chosen again (see
   * `stages/idle.ts`), and the server's cache is warmed with the prompt when its stable part changed.
   * `current` returns the request at the cursor now; nothing happens when the text or cursor moved meanwhile,
   * and the next keystroke interrupts it. Resolves true when a warm-up was read; never rejects.
   */
  async whenIdle(request: CompletionRequest, current: () => CompletionRequest | undefined): Promise<boolean> {
    const signal = this.idle.begin();
    this.deps.repoContext?.notify({ kind: 'pause', documentUri: request.documentUri });
    // The pause's own request first (it may still be waiting for the policy, or streaming): the context must not
    // change on its way, and a warm-up must not stand in its queue.
    const quiet = (): boolean => this.attempts.inFlight().length === 0 && this.runningGenerations === 0 && this.server.drainingCount === 0;
    const settled = await whenQuiet(quiet, signal, this.deps.clock, 50, this.options.generationTimeoutMs);
    const now = current();
    if (!settled || now === undefined || now.text !== request.text || now.offset !== request.offset) {
      return false;
    }
    const settings = this.deps.settings();
    if (prefilter({ ...request, manual: true }, settings) !== undefined) {
      return false;
    }
    const choice = await this.chooseModel(signal);
    if ('error' in choice || signal.aborted) {
      return false;
    }
    const inputs = { request, model: choice.model, backendKind: choice.backend.kind, plan: choice.plan };
    if (await refreshRepoContext(this.deps.repoContext, inputs, this.options.repoContextTokens, signal)) {
      this.idle.changed++;
    }
    return signal.aborted ? false : this.warmUp(request);
  }

  /**
   * Stage 2: attach to the document's running generation when the typing agrees with it (before its first
   * token, when the request policy bets it will); otherwise abort it. Undefined: go on to the next stages.
   */
  private async followInFlight(
    doc: DocumentState,
    request: CompletionRequest,
    settings: Settings,
    signal: AbortSignal,
    attempt: PendingAttempt,
    isCurrent: () => boolean,
  ): Promise<{ readonly outcome: CompletionOutcome; readonly model: string } | undefined> {
    const running = doc.generation?.state === 'running' ? doc.generation : undefined;
    if (running === undefined) {
      return undefined;
    }
    const typed = typedSince(running.anchor, request.documentUri, request.text, request.offset);
    const partial = running.partialDocumentText();
    const match = typed === undefined ? 'miss' : matchTyped(partial, typed, false).kind;
    if (typed !== undefined) {
      this.policy.judge(running, partial, typed, false);
    }
    // Before the first token nobody knows whether the typing agrees with the answer.
    const waitingForFirstToken = running.firstTokenAt === undefined && typed !== '';
    const keep = this.options.useReuse && typed !== undefined && match === 'pending' && (!waitingForFirstToken || this.policy.keepWhilePending(running, request, settings));
    if (!keep) {
      this.server.abortDocument(doc);
      return undefined;
    }
    if (waitingForFirstToken) {
      this.stats.keptPending++;
    }
    this.stats.attachedToStream++;
    attempt.stage = 'waitingForModel';
    attempt.model = running.model;
    const result = await this.server.attach(running, typed, signal, doc, isCurrent);
    return result === 'miss' ? undefined : { outcome: result, model: running.model };
  }

  /** Stage 3: the rest of a finished suggestion the user is typing through. */
  private reuseFinished(doc: DocumentState, request: CompletionRequest): CompletionOutcome | undefined {
    const last = doc.last;
    if (last === undefined || !this.options.useReuse) {
      return undefined;
    }
    const typed = typedSince(last.anchor, request.documentUri, request.text, request.offset);
    if (typed !== undefined && last.generation !== undefined) {
      this.policy.judge(last.generation, last.text, typed, true);
    }
    const match = typed === undefined ? undefined : matchTyped(last.text, typed, true);
    if (typed !== undefined && typed !== '' && match?.kind === 'miss' && last.text.startsWith(typed)) {
      // The whole suggestion taken (accepted, or typed to its end): ask for what follows at once.
      doc.tookWholeAt = this.deps.clock.now();
    }
    if (match?.kind === 'hit') {
      this.stats.reuseHits++;
      const text = last.display === 'firstLine' ? firstLineOf(match.remainder, true).line : match.remainder;
      return { kind: 'shown', text, source: 'reused', model: last.model };
    }
    doc.last = undefined;
    return undefined;
  }

  /** Stage 4: the completion model, its backend and a usable FIM plan, or the error to show. */
  private async chooseModel(signal: AbortSignal): Promise<ModelChoice | { readonly error: TieredError; readonly model?: string }> {
    let resolved: ResolvedModel | TieredError;
    try {
      resolved = await this.deps.resolveModel(signal);
    } catch (error) {
      resolved = isTieredError(error) ? error : new TieredError('badResponse', `Could not choose a completion model: ${String(error)}`);
    }
    if (isTieredError(resolved)) {
      return { error: resolved };
    }
    const { backend, model } = resolved;
    if (this.lastModel !== model.name) {
      this.policy.debounce.seedTimeToFirstToken(resolved.timeToFirstTokenMs);
      this.policy.useModel(model.name);
      this.latency.clear();
    }
    this.lastModel = model.name;
    const plan = this.planFor(model, backend);
    return plan.kind === 'unsupported' ? { error: plan.error, model: model.name } : { backend, model, plan };
  }

  private postprocessContextFor(request: CompletionRequest, settings: Settings, plan: UsablePlan): PostprocessContext {
    return postprocessContext(request.text, request.offset, {
      languageId: request.languageId,
      multiline: settings['completion.multiline'],
      family: plan.family,
      indent: request.indent,
      lineEnding: request.lineEnding,
      maxLines: this.options.maxLines,
      hotStreakLines: this.options.useReuse ? this.options.hotStreakLines : 0,
    });
  }

  /** Stage 5: a finished completion for this very position. */
  private fromCache(doc: DocumentState, request: CompletionRequest, cacheKey: string, context: PostprocessContext, model: string): CompletionOutcome | undefined {
    const cached = this.options.useCache ? this.cache.get(cacheKey) : undefined;
    if (cached === undefined) {
      return undefined;
    }
    this.stats.cacheHits++;
    if (cached === '') {
      return { kind: 'empty', model, why: 'cached: nothing to suggest here' };
    }
    const text = toDocumentForm(cached, request.indent, request.lineEnding);
    doc.last = { anchor: anchorAt(request.documentUri, request.text, request.offset), text, model, display: context.display };
    const shownText = context.display === 'firstLine' ? firstLineOf(text, true).line : text;
    return { kind: 'shown', text: shownText, source: 'cache', model };
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

  private setState(state: PipelineState, model?: string): void {
    this.stateListener?.(state, model ?? this.lastModel);
  }
}
