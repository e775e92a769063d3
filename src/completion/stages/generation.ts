/**
 * Stage "generation": one model request and its post-processed stream. {@link runGeneration} drives the
 * backend's stream into a {@link Generation}, stops it as soon as post-processing says the suggestion is
 * complete (closing the HTTP stream stops the server), and bounds it with a timeout.
 * Pure: no `vscode` import.
 */
import { TieredError, errors, isTieredError } from '../../backend/errors';
import type { GenerateRequest, LlmBackend, RequestMetrics } from '../../backend/types';
import type { Clock } from '../../util/clock';
import { toDocumentForm } from '../postprocess';
import type { CompletionStream, PostprocessContext } from '../postprocess';
import type { Anchor } from '../reuse';

/** Where a generation is in its life. */
export type GenerationState = 'running' | 'done' | 'failed' | 'aborted';

/** One model request and its post-processed stream. */
export class Generation {
  readonly controller = new AbortController();
  state: GenerationState = 'running';
  firstTokenAt: number | undefined;
  /** When the server stopped working on it (done, failed or aborted): the end of its busy time. */
  endedAt: number | undefined;
  /** The finished suggestion: document form (`text`) and `\n` form (`lfText`, what the cache keeps). */
  result: { readonly text: string; readonly lfText: string; readonly why: string; readonly metrics: RequestMetrics | undefined } | undefined;
  error: TieredError | undefined;
  waiters = 0;
  earlyStop = false;
  /** Some caller was shown text from it (a hot streak then runs on without waiters). */
  served = false;
  /** Whether its answer agreed with what the user typed after its anchor, once its text showed it. */
  verdict: boolean | undefined;
  /** Sent pinned to a server slot (llama-server `id_slot`): its prompt read stays in that slot's cache. */
  pinned = false;
  /**
   * Aborted for the pipeline, but still reading its prompt on the server, to be stopped at its first token:
   * llama-server keeps a slot's prompt in its cache only once read to the end, so cutting the read short
   * would throw away the work the next request on the slot builds on.
   */
  draining = false;
  /**
   * Its prompt's stable part (model, document, repository context) was not what the server last read: its
   * read is long, and worth draining when aborted. False: only what was typed since the last request is new.
   */
  freshRead = true;
  /**
   * When the request went to the server: later than {@link startedAt} when it waited for the one before it to
   * leave the server (never two at once). Undefined until sent (and for ever when aborted while waiting).
   */
  sentAt: number | undefined;
  /** Resolves once the server is done with it (its request closed), or it was dropped before being sent. */
  readonly settled: Promise<void>;
  private markSettled: () => void = () => undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly anchor: Anchor,
    readonly stream: CompletionStream,
    readonly model: string,
    readonly startedAt: number,
    readonly cacheKey: string,
    readonly context: PostprocessContext,
    /** Why it was sent: at a pause, while typing (an early bet), or right after an accepted suggestion. */
    readonly purpose: GenerationPurpose = 'pause',
  ) {
    this.settled = new Promise<void>((resolve) => (this.markSettled = resolve));
  }

  /** The server is done with it (or it was never sent): whoever waits for the server to be free may go. */
  settle(): void {
    this.markSettled();
  }

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

/** Why a generation was started (for the request policy's bookkeeping and the benchmark). */
export type GenerationPurpose = 'pause' | 'typing' | 'continuation' | 'manual';

/** What {@link runGeneration} tells the orchestrator. */
export interface GenerationHooks {
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** The first token arrived `ms` after the request was sent. */
  onFirstToken(ms: number): void;
  /** The request timed out before its first token. */
  onTimeoutBeforeFirstToken(): void;
  /** Post-processing found the suggestion complete and the stream was closed early. */
  onEarlyStop(): void;
  /** The generation finished with text (or none): cache it, keep it for typed-through reuse. */
  onDone(generation: Generation): void;
  /** The generation failed (not aborted). */
  onFailed(generation: Generation): void;
  /** Always called last, whatever the outcome. */
  onSettled(generation: Generation): void;
}

/** Streams `request` from `backend` into `generation` until it finishes, fails, times out or is aborted. */
export async function runGeneration(generation: Generation, backend: LlmBackend, request: GenerateRequest, hooks: GenerationHooks): Promise<void> {
  const clock = hooks.clock;
  const timeout = clock.setTimeout(() => {
    if (generation.state === 'running') {
      if (generation.firstTokenAt === undefined) {
        hooks.onTimeoutBeforeFirstToken();
      }
      generation.error = errors.timeout(backend.baseUrl, hooks.timeoutMs);
      generation.state = 'failed';
      generation.controller.abort();
      generation.notify();
    }
  }, hooks.timeoutMs);
  let metrics: RequestMetrics | undefined;
  generation.sentAt = clock.now();
  try {
    for await (const event of backend.generate(request)) {
      if (generation.firstTokenAt === undefined) {
        // Also for a generation already aborted but draining: its prompt read is a real time to first token.
        generation.firstTokenAt = clock.now();
        // From the send, not the call: time spent waiting for the server to be free is not the model's.
        hooks.onFirstToken(generation.firstTokenAt - (generation.sentAt ?? generation.startedAt));
      }
      if (generation.state !== 'running') {
        break;
      }
      if (event.type === 'done') {
        metrics = event.result.metrics;
        break;
      }
      if (generation.stream.push(event.text)) {
        // Complete: leaving the loop closes the HTTP stream, so the server stops generating.
        generation.earlyStop = true;
        hooks.onEarlyStop();
        break;
      }
      generation.notify();
    }
    if (generation.state === 'running') {
      const done = generation.stream.finish();
      generation.result = { text: done.text, lfText: done.lfText, why: done.why, metrics };
      generation.state = 'done';
      hooks.onDone(generation);
    }
  } catch (error) {
    if (generation.state === 'running') {
      if (generation.controller.signal.aborted) {
        generation.state = 'aborted';
      } else {
        generation.state = 'failed';
        generation.error = isTieredError(error) ? error : new TieredError('badResponse', `The completion request failed: ${String(error)}`);
        hooks.onFailed(generation);
      }
    }
  } finally {
    timeout.dispose();
    if (generation.earlyStop || generation.draining) {
      // Belt and braces: make sure the request is torn down even if the iterator ignored the break.
      generation.controller.abort();
    }
    generation.endedAt ??= clock.now();
    hooks.onSettled(generation);
    generation.settle();
    generation.notify();
  }
}
