/**
 * The completion pipeline's contracts with the extension: the model it resolves, its tunables, its
 * dependencies, and the figures it reports.
 * Pure: no `vscode` import.
 */
import type { TokenCounter } from '../context/tokenCounter';
import type { TieredError } from '../backend/errors';
import type { LlmBackend, ModelInfo } from '../backend/types';
import type { Settings } from '../settings/schema';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { DebounceOptions } from './debounce';
import type { RepoContextSource } from './repoContextSource';
import type { FimWindowFunction } from './stages/prompt';

/** The model completions go to, with its backend. */
export interface ResolvedModel {
  readonly backend: LlmBackend;
  readonly model: ModelInfo;
  /** The model's time to first token if already known (e.g. from the router's speed statistics); optional. */
  readonly timeToFirstTokenMs?: number;
}

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
  /**
   * Token budget of repository context (only with a {@link CompletionPipelineDeps.repoContext} source).
   * Default: a quarter of the FIM window's budget.
   */
  readonly repoContextTokens?: number;
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
  /**
   * Under the cost-aware policy, an answer whose first line still streams this long after its first token is
   * shown as far as it got (to its last word boundary); the rest is served as the user types through. Default 80.
   */
  readonly showPartialLineAfterMs?: number;
  readonly temperature?: number;
  /** A generation nobody waits for any more is aborted after this long (the next keystroke may still attach). Default 250. */
  readonly orphanGraceMs?: number;
  /**
   * A generation that has not produced text yet is overdue once its first token is this many ms later than
   * the measured time to first token (e.g. the model is reloading): a keystroke then aborts it rather than
   * wait on. While the user types on, one whose first token is due within this many ms is kept. Default 200.
   * (Otherwise `keepPending` (pendingPolicy.ts) decides whether a keystroke keeps it.)
   */
  readonly maxPendingWaitMs?: number;
  /**
   * While the user types on, a generation that has not produced text yet is kept when generations agreed with
   * the typing at least this often (see `keepPending` (pendingPolicy.ts)). Default 0.5.
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
  /** The llama-server slot completions are pinned to under the cost-aware policy (`id_slot`). Default 0. */
  readonly slot?: number;
}

/** The tunables with their defaults filled in. */
export type ResolvedPipelineOptions = Required<Omit<CompletionPipelineOptions, 'numCtx' | 'debounce' | 'repoContextTokens'>> & {
  readonly numCtx: number | undefined;
  readonly repoContextTokens: number;
};

/** Fills in the defaults of {@link CompletionPipelineOptions}. */
export function resolveOptions(o: CompletionPipelineOptions): ResolvedPipelineOptions {
  const prefixTokens = o.prefixTokens ?? 1024;
  const suffixTokens = o.suffixTokens ?? 64;
  return {
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
  /**
   * Repository context for prompts (see `repoContextSource.ts`); optional: without it, prompts carry the
   * current file only.
   */
  readonly repoContext?: RepoContextSource;
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

