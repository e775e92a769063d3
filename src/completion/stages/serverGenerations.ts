/**
 * Stage "generation" on the server's side: starting a generation (never two at once: an older one, for any
 * document, is aborted, and whatever is still on the server is waited for before the next is sent), waiting on it for a provider call ({@link attachTo}), orphan grace, and aborting —
 * where a pinned request still reading a new prompt start drains to its first token instead of being cut.
 * Pure: no `vscode` import.
 */
import type { LlmBackend } from '../../backend/types';
import type { Clock } from '../../util/clock';
import type { Logger } from '../../util/logger';
import type { CompletionCache } from '../cache';
import type { LatencyHealth } from '../latencyHealth';
import type { PipelineState, PipelineStats } from '../pipelineTypes';
import { attachTo } from './attach';
import type { AttachResult } from './attach';
import type { DocumentState } from './documents';
import { runGeneration } from './generation';
import type { Generation } from './generation';
import type { RequestPolicy } from './requestPolicy';
import type { WarmUps } from './warmUp';

/** A drained generation (see {@link ServerGenerations.abort}) is stopped after this long even without a first token. */
const maxDrainMs = 10_000;

/** What {@link ServerGenerations} works with (the pipeline's parts). */
export interface ServerGenerationsDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: RequestPolicy;
  readonly latency: LatencyHealth;
  readonly cache: CompletionCache;
  readonly warmUps: WarmUps;
  readonly stats: PipelineStats;
  readonly options: {
    readonly generationTimeoutMs: number;
    readonly orphanGraceMs: number;
    readonly showPartialAfterMs: number;
    readonly showPartialLineAfterMs: number;
  };
  /** The cost-aware request policy is on (partial lines are shown sooner). */
  costAware(): boolean;
  setState(state: PipelineState, model?: string): void;
  /** Every document's state. */
  documents(): Iterable<DocumentState>;
  /** The warm-up still on the server, if any (a request waits for it: never two at once). */
  warmUpInFlight(): Promise<unknown> | undefined;
}

/** The generations on the server: at most one per document, one at a time, plus drained ones finishing their read. */
export class ServerGenerations {
  /** Aborted pinned generations still reading their prompt (see {@link abort}). */
  private readonly draining = new Set<Generation>();
  /** Requests sent whose HTTP request is not closed yet (see {@link start}). */
  private readonly onServer = new Set<Generation>();

  constructor(private readonly deps: ServerGenerationsDeps) {}

  /** Documents' generations still running (for tests and benchmarks). */
  get running(): number {
    let n = 0;
    for (const doc of this.deps.documents()) {
      if (doc.generation?.state === 'running') {
        n++;
      }
    }
    return n;
  }

  /** Aborted generations still draining their prompt read. */
  get drainingCount(): number {
    return this.draining.size;
  }

  /** Aborts everything now (extension deactivation). */
  dispose(): void {
    for (const doc of this.deps.documents()) {
      this.abortDocument(doc, true);
      doc.graceTimer?.dispose();
    }
    for (const drained of this.draining) {
      this.abort(drained, true);
    }
  }

  /**
   * Sends the request; the stream runs on its own and callers attach to it. Never two requests on the server at
   * once: a request still there (an aborted one draining its prompt read, a warm-up, one being torn down) is
   * waited for first; the server would queue this one behind it anyway, so that costs no time, and the slot's
   * cache then holds the earlier read when this one starts.
   */
  start(generation: Generation, doc: DocumentState, backend: LlmBackend, request: Parameters<LlmBackend['generate']>[0]): void {
    // An older generation, for this document or another, is no longer what the user looks at.
    for (const other of this.deps.documents()) {
      this.abortDocument(other, other !== doc);
    }
    for (const drained of this.draining) {
      if (drained.anchor.documentUri !== generation.anchor.documentUri) {
        // Another file's prompt: its read is of no use to this request.
        this.abort(drained, true);
      }
    }
    generation.pinned = request.slot !== undefined;
    if (!generation.pinned) {
      // A warm-up reads into the pinned slot: only a pinned request builds on its read.
      this.deps.warmUps.abort();
    }
    doc.generation = generation;
    this.deps.setState('generating', generation.model);
    const ahead = [...this.onServer].map((g) => g.settled);
    const warmUp = this.deps.warmUpInFlight();
    if (warmUp !== undefined) {
      ahead.push(warmUp.then(() => undefined));
    }
    if (ahead.length === 0) {
      this.send(generation, doc, backend, request);
      return;
    }
    let waited = false;
    const guard = this.deps.clock.setTimeout(() => {
      // Whatever is still there after this long is stuck: stop it rather than wait on.
      if (!waited) {
        this.deps.warmUps.abort();
        for (const stuck of this.onServer) {
          this.abort(stuck, true);
        }
      }
    }, maxDrainMs);
    void Promise.all(ahead).then(() => {
      waited = true;
      guard.dispose();
      if (generation.state === 'running') {
        this.send(generation, doc, backend, request);
      } else {
        // Aborted while it waited: never sent.
        generation.endedAt ??= this.deps.clock.now();
        generation.settle();
      }
    });
  }

  /** Requests sent and not yet closed (the documents' generations, drained ones, ones being torn down). */
  get onServerCount(): number {
    return this.onServer.size;
  }

  private send(generation: Generation, doc: DocumentState, backend: LlmBackend, request: Parameters<LlmBackend['generate']>[0]): void {
    this.onServer.add(generation);
    this.deps.stats.requestsSent++;
    const busyId = this.deps.policy.busy.start(this.deps.clock.now());
    void runGeneration(generation, backend, { ...request, signal: generation.controller.signal }, {
      clock: this.deps.clock,
      timeoutMs: this.deps.options.generationTimeoutMs,
      onFirstToken: (ms) => {
        this.deps.policy.debounce.recordTimeToFirstToken(ms);
        this.deps.latency.recordFirstToken(ms);
      },
      onTimeoutBeforeFirstToken: () => this.deps.latency.recordTimeout(),
      onEarlyStop: () => this.deps.stats.earlyStops++,
      onDone: (done) => {
        const result = done.result;
        if (result === undefined) {
          return;
        }
        this.deps.cache.set(done.cacheKey, result.lfText);
        this.deps.policy.recordServiceTime(this.deps.clock.now() - (done.sentAt ?? done.startedAt));
        if (doc.generation === done) {
          doc.last = result.text.trim() === '' ? undefined : { anchor: done.anchor, text: result.text, model: done.model, display: done.context.display, generation: done };
        }
        this.deps.setState('idle', done.model);
      },
      onFailed: (failed) => {
        this.deps.logger.warn(`Completion request failed: ${failed.error?.message ?? 'unknown error'}`);
        this.deps.setState('error', failed.model);
      },
      onSettled: (settled) => {
        this.onServer.delete(settled);
        this.deps.policy.busy.end(busyId, settled.endedAt ?? this.deps.clock.now(), settled.state === 'aborted' && !settled.served);
        if (doc.generation === settled) {
          doc.generation = undefined;
        }
      },
    });
  }

  /** Waits on a generation for a caller that typed `typed` since its anchor (see {@link attachTo}). */
  attach(generation: Generation, typed: string, signal: AbortSignal, doc: DocumentState, isCurrent: () => boolean): Promise<AttachResult> {
    doc.graceTimer?.dispose();
    doc.graceTimer = undefined;
    return attachTo(generation, typed, signal, {
      clock: this.deps.clock,
      showPartialAfterMs: this.deps.options.showPartialAfterMs,
      ...(this.deps.costAware() ? { showPartialLineAfterMs: this.deps.options.showPartialLineAfterMs } : {}),
      isCurrent,
      judge: (g, text, t, finished) => this.deps.policy.judge(g, text, t, finished),
      onReuseHit: () => this.deps.stats.reuseHits++,
      abort: (g) => this.abort(g),
      orphaned: (g) => this.scheduleOrphanAbort(g, doc),
    });
  }

  private scheduleOrphanAbort(generation: Generation, doc: DocumentState): void {
    doc.graceTimer?.dispose();
    doc.graceTimer = this.deps.clock.setTimeout(() => {
      doc.graceTimer = undefined;
      if (generation.waiters === 0 && generation.state === 'running') {
        this.abort(generation);
      }
    }, this.deps.options.orphanGraceMs);
  }

  /** Aborts the document's generation, if running (see {@link abort}), and forgets it. */
  abortDocument(doc: DocumentState, hard = false): void {
    const generation = doc.generation;
    if (generation !== undefined && generation.state === 'running') {
      this.abort(generation, hard);
    }
    doc.generation = undefined;
  }

  /**
   * Aborts a generation. A pinned one still reading a new prompt start (see {@link Generation.freshRead}) is
   * only detached (`hard` false): it drains to its first token so that its read stays in the slot's cache for
   * the next request, which queues behind it on the same slot (the server still runs one at a time). One
   * whose start the server already holds reads only what was typed since: draining it would spend server
   * time on text the user typed past for nothing, so it stops now. `hard`: stop it now whatever it cost.
   */
  abort(generation: Generation, hard = false): void {
    if (generation.state !== 'running') {
      if (hard && generation.draining) {
        generation.controller.abort();
      }
      return;
    }
    generation.state = 'aborted';
    this.deps.stats.abortedGenerations++;
    const sentAt = generation.sentAt;
    if (sentAt !== undefined && generation.firstTokenAt === undefined) {
      this.deps.policy.debounce.recordTimeToFirstTokenAtLeast(this.deps.clock.now() - sentAt);
    }
    if (!hard && sentAt !== undefined && generation.pinned && generation.freshRead && generation.firstTokenAt === undefined) {
      generation.draining = true;
      this.draining.add(generation);
      const guard = this.deps.clock.setTimeout(() => generation.controller.abort(), maxDrainMs);
      generation.listen(() => {
        if (generation.endedAt !== undefined) {
          guard.dispose();
          this.draining.delete(generation);
        }
      });
    } else {
      generation.endedAt = this.deps.clock.now();
      generation.controller.abort();
    }
    generation.notify();
  }
}
