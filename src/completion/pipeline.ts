/**
 * The inline-completion orchestrator. Each provider call runs the stages in order, any of which may answer:
 *
 * 1. prefilter — completions off, file too large, mid-word… (`prefilter.ts`)
 * 2. in flight — attach to the document's running generation when the typing agrees with it, else abort it
 *    (`stages/inFlight.ts`, `stages/attach.ts`; the request policy decides about one before its first token)
 * 3. typed-through reuse — the rest of a finished suggestion the user is typing through (`stages/finished.ts`)
 * 4. model — the completion model and its FIM plan (`stages/model.ts`)
 * 5. cache — a finished completion for this very position (`stages/finished.ts`)
 * 6. request policy — wait for a pause, learned from the user's rhythm (`stages/requestPolicy.ts`)
 * 7. context and prompt — FIM window, repository context, the backend request (`stages/prompt.ts`)
 * 8. generation — stream, post-process, stop early, cache (`stages/generation.ts`), and wait on it; one at a
 *    time on the server, aborted or drained when typed past (`stages/serverGenerations.ts`)
 *
 * Besides the provider calls: the continuation after an accept ({@link CompletionPipeline.prepareContinuation}),
 * and idle time after a pause — repository context chosen again, the server's cache warmed (`stages/idleWork.ts`,
 * `stages/idle.ts`, `stages/warmUp.ts`).
 *
 * At most one generation runs per document. The VS Code provider is a thin adapter over {@link CompletionPipeline.complete}.
 * Pure: no `vscode` import.
 */
import { fimWindow as defaultFimWindow } from '../context/fimWindow';
import { approximateCounter } from '../context/tokenCounter';
import type { Disposable } from '../util/clock';
import { AttemptLog } from './attemptLog';
import type { PendingAttempt } from './attemptLog';
import { CompletionCache, completionCacheKey } from './cache';
import type { AdaptiveDebounce } from './debounce';
import { LatencyHealth } from './latencyHealth';
import type { AgreementEstimate } from './pendingPolicy';
import { resolveOptions } from './pipelineTypes';
import type { CompletionPipelineDeps, PipelineState, PipelineStats, ResolvedPipelineOptions } from './pipelineTypes';
import { CompletionStream } from './postprocess';
import type { PostprocessContext } from './postprocess';
import { prefilter } from './prefilter';
import { anchorAt, typedSince } from './reuse';
import { DocumentStates } from './stages/documents';
import { fromCache, reuseFinished, suggestionContext } from './stages/finished';
import type { FinishedDeps } from './stages/finished';
import { Generation } from './stages/generation';
import { IdleRefresh } from './stages/idle';
import { IdleWork } from './stages/idleWork';
import { followInFlight } from './stages/inFlight';
import type { InFlightDeps } from './stages/inFlight';
import { ModelStage } from './stages/model';
import { recordOutcome } from './stages/outcomeLog';
import { PromptStage } from './stages/prompt';
import { RequestPolicy, positionKindOf } from './stages/requestPolicy';
import { ServerGenerations } from './stages/serverGenerations';
import { WarmUps } from './stages/warmUp';
import type { CompletionOutcome, CompletionRequest } from './types';
import type { ModelInfo } from '../backend/types';

export type { CompletionPipelineDeps, CompletionPipelineOptions, PipelineState, PipelineStats, ResolvedModel } from './pipelineTypes';
export type { FimWindowFunction } from './stages/prompt';
export { lineAround, likelyPause } from './stages/requestPolicy';

/** A call this soon after the user took a whole suggestion asks for the next one without waiting for a pause. */
const continuationWindowMs = 1500;

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
  private readonly models: ModelStage;
  private readonly prompts: PromptStage;
  private readonly idleWork: IdleWork;
  private readonly options: ResolvedPipelineOptions;
  private readonly finishedDeps: FinishedDeps;
  private readonly inFlightDeps: InFlightDeps;
  private stateListener: ((state: PipelineState, model: string | undefined) => void) | undefined;
  private lastDocumentUri: string | undefined;

  constructor(private readonly deps: CompletionPipelineDeps) {
    const o = deps.options ?? {};
    this.options = resolveOptions(o);
    const { prefixTokens, suffixTokens } = this.options;
    this.attempts = new AttemptLog(this.options.attemptLogSize);
    this.cache = new CompletionCache(this.options.cacheEntries);
    this.policy = new RequestPolicy(deps.clock, { ...this.options, ...(o.debounce !== undefined ? { debounce: o.debounce } : {}) });
    this.documents = new DocumentStates(this.options.maxDocuments, (doc) => {
      this.server.abortDocument(doc);
      doc.graceTimer?.dispose();
    });
    this.models = new ModelStage(
      (signal) => deps.resolveModel(signal),
      (model, timeToFirstTokenMs) => {
        this.policy.debounce.seedTimeToFirstToken(timeToFirstTokenMs);
        this.policy.useModel(model);
        this.latency.clear();
      },
    );
    this.prompts = new PromptStage({
      window: deps.fimWindow ?? defaultFimWindow,
      counter: deps.counter ?? approximateCounter(),
      prefixTokens,
      suffixTokens,
      repoContextTokens: this.options.repoContextTokens,
      numCtx: this.options.numCtx,
      temperature: this.options.temperature,
      slot: this.options.slot,
      repoContext: deps.repoContext,
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
      warmUpInFlight: () => this.idleWork.warmUpInFlight,
    });
    this.idleWork = new IdleWork({
      clock: deps.clock,
      settings: () => deps.settings(),
      models: this.models,
      prompts: this.prompts,
      warmUps: this.warmUps,
      server: this.server,
      policy: this.policy,
      attempts: this.attempts,
      idle: this.idle,
      repoContext: deps.repoContext,
      generationTimeoutMs: this.options.generationTimeoutMs,
    });
    const now = (): number => deps.clock.now();
    this.finishedDeps = { policy: this.policy, stats: this.stats, cache: this.cache, useReuse: this.options.useReuse, useCache: this.options.useCache, now };
    this.inFlightDeps = { policy: this.policy, server: this.server, stats: this.stats, useReuse: this.options.useReuse };
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
    return this.prompts.numCtxFor(model, maxTokens);
  }

  /** Forgets cached plans and completions (call when the model or its details change). */
  invalidate(): void {
    this.models.invalidate();
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
    return this.models.model;
  }

  /**
   * A key typed in the editor (every one, unlike provider calls): the request policy learns the user's rhythm
   * from these. `line`: the cursor's line after the key.
   */
  typed(at: number, line: Pick<PostprocessContext, 'languageId' | 'linePrefix' | 'lineSuffix'>): void {
    this.policy.recordEditorKeystroke(at, positionKindOf(line));
  }

  /** Records that the user accepted the suggestion shown for a document: the next one is asked at once. */
  accepted(documentUri: string, languageId: string): void {
    const now = this.deps.clock.now();
    this.attempts.recordAccepted(now, documentUri, languageId, this.models.model);
    const doc = this.documents.peek(documentUri);
    if (doc !== undefined) {
      doc.tookWholeAt = now;
    }
    this.deps.repoContext?.notify({ kind: 'accepted', documentUri });
  }

  /** Whether the continuation after an accept is requested at once (the cost-aware policy). */
  get preparesContinuations(): boolean {
    return this.deps.settings()['completion.requestPolicy'] !== 'classic';
  }

  /**
   * Starts the request for the suggestion after an accepted one right away (the editor's own call then finds
   * it in flight, or finished), so the next ghost text is ready when the editor asks. Resolves true when a
   * suggestion is ready for that position (false when superseded or empty); never rejects. Does nothing under
   * the classic policy.
   */
  async prepareContinuation(request: CompletionRequest): Promise<boolean> {
    if (!this.preparesContinuations) {
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
    const followed = await followInFlight(this.inFlightDeps, doc, request, settings, signal, attempt, isCurrent);
    if (followed !== undefined) {
      return finish(followed.outcome, followed.model);
    }

    // 3. A finished suggestion the user is typing through.
    const reused = reuseFinished(this.finishedDeps, doc, request);
    if (reused !== undefined) {
      if (background) {
        return reused;
      }
      return finish(reused, reused.kind === 'shown' ? reused.model : undefined);
    }

    // 4. The model.
    attempt.stage = 'choosingModel';
    const choice = await this.models.choose(signal);
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
    const context = suggestionContext(request, settings, choice.plan, this.options);
    const cached = fromCache(this.finishedDeps, doc, request, cacheKey, context, model.name);
    if (cached !== undefined) {
      return finish(cached, model.name);
    }

    // 6. Request policy: wait for a pause.
    this.setState('waiting', model.name);
    attempt.stage = 'debouncing';
    attempt.model = model.name;
    const continuation = doc.tookWholeAt !== undefined && started - doc.tookWholeAt <= continuationWindowMs;
    const delay = this.policy.delayMs(settings, request, context, continuation);
    // The wait counts from the keystroke: time spent waiting on a generation that then missed was a pause too,
    // and must not be waited again; under the cost-aware policy, from the key itself (the editor asks later).
    const silentSince = settings['completion.requestPolicy'] === 'costAware' ? this.policy.silenceStart(started) : started;
    const waited = await this.policy.debounce.wait(Math.max(0, delay - (this.deps.clock.now() - silentSince)), signal);
    if (!waited || !isCurrent()) {
      return finish({ kind: 'debounced' });
    }

    // 7. Context and prompt (the repository context may change at a pause, never while the user types).
    if (this.policy.lastTiming?.reason !== 'early' && !continuation) {
      this.deps.repoContext?.notify({ kind: 'pause', documentUri: request.documentUri });
    }
    const prompt = await this.prompts.build(request, choice, settings, signal);
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

  /**
   * Loads the prompt for `request` into the server's cache with a zero-token request, when its stable part
   * (model, document, repository context) is not what the server last read, nothing else is on the server, and
   * the cost-aware policy is on with llama-server (Ollama reloads nothing and keeps one sequence). Call it when
   * the user is idle after switching files. Resolves true when a warm-up was read; never rejects.
   */
  warmUp(request: CompletionRequest): Promise<boolean> {
    return this.idleWork.warmUp(request);
  }

  /**
   * The user has been idle in `request`'s document (the adapter calls this a while after the last edit): a
   * pause. Once nothing runs on the server, the repository context may be chosen again (see
   * `stages/idle.ts`), and the server's cache is warmed with the prompt when its stable part changed.
   * `current` returns the request at the cursor now; nothing happens when the text or cursor moved meanwhile,
   * and the next keystroke interrupts it. Resolves true when a warm-up was read; never rejects.
   */
  whenIdle(request: CompletionRequest, current: () => CompletionRequest | undefined): Promise<boolean> {
    return this.idleWork.whenIdle(request, current);
  }

  private setState(state: PipelineState, model?: string): void {
    this.stateListener?.(state, model ?? this.models.model);
  }
}
