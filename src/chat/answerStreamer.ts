/**
 * The answer being written: which one runs, its text so far, streaming the model's tokens into the history (with
 * checkpoints, so a crash keeps what arrived), how an answer fails, and turns another feature streams (Explain).
 * Pure: no `vscode` import.
 */
import { isTieredError, TieredError } from '../backend/errors';
import type { LlmBackend, RequestMetrics } from '../backend/types';
import type { Tier } from '../settings/schema';
import type { Logger } from '../util/logger';
import type { HostToWebview, MessageView } from '../webview/protocol';
import { actionsFor, figuresOf } from './answerOutcome';
import type { AnswerMeta, AnswerSource } from './chatTypes';
import type { HistoryStore } from './historyStore';
import type { AssembledPrompt } from './promptAssembly';

/** A turn answered by another feature (see {@link AnswerStreamer.external}). */
export interface ExternalTurnRequest {
  /** The user's side of the turn, e.g. "Explain src/a.ts:3-9" and the code. */
  readonly text: string;
  readonly tier: Tier | undefined;
  readonly model: string;
  readonly endpointId: string;
  readonly reasons: readonly string[];
  readonly contextReport?: string;
  /** The code the feature gave the model (the selection, definitions it looked up): chips under the answer. */
  readonly sources?: readonly AnswerSource[];
}

/** The answer side of an external turn. */
export interface ExternalTurn {
  /** Aborts when the user presses Stop. */
  readonly signal: AbortSignal;
  append(text: string): void;
  finish(footer?: string): Promise<void>;
  fail(error: unknown): Promise<void>;
}

/** One answer's life: Stop aborts it; `done` settles when it ended, whatever happened. */
export interface Turn {
  readonly abort: AbortController;
  readonly done: Promise<void>;
  readonly resolve: () => void;
}

interface Running {
  readonly conversationId: string;
  readonly messageId: string;
  readonly turn: Turn;
}

/** What the model is asked, and how (see `answerPlan.ts`). */
export interface StreamRequest {
  readonly conversationId: string;
  readonly messageId: string;
  readonly backend: LlmBackend;
  readonly model: string;
  readonly prompt: AssembledPrompt;
  readonly numCtx: number;
  readonly keepAlive: string | number | undefined;
  readonly contextReport: string;
  readonly sources: readonly AnswerSource[];
}

export interface AnswerStreamerDeps {
  readonly store: HistoryStore;
  readonly post: (message: HostToWebview) => void;
  readonly postState: () => Promise<void>;
  readonly logger: Logger;
  /** Monotonic milliseconds, for checkpoint pacing. */
  readonly clock: () => number;
  /** How often a streaming answer is checkpointed to disk (ms). */
  readonly checkpointMs?: number;
}

export class AnswerStreamer {
  private running: Running | undefined;
  /** The text streamed so far for the running answer (the store is checkpointed only every few seconds). */
  private runningText = '';
  private readonly errors = new Map<string, TieredError>();

  constructor(private readonly deps: AnswerStreamerDeps) {}

  /** The answer being written now, if any. */
  get current(): { readonly conversationId: string; readonly messageId: string; readonly done: Promise<void> } | undefined {
    const running = this.running;
    return running === undefined ? undefined : { conversationId: running.conversationId, messageId: running.messageId, done: running.turn.done };
  }

  /** A new turn; it runs (and Stop reaches it) once {@link start} names its answer. */
  openTurn(): Turn {
    const abort = new AbortController();
    let resolve: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolve = r));
    return { abort, done, resolve };
  }

  start(turn: Turn, conversationId: string, messageId: string): void {
    this.running = { conversationId, messageId, turn };
    this.runningText = '';
  }

  /** Ends a turn: it no longer runs, its `done` settles, and the view gets the state. */
  async close(turn: Turn): Promise<void> {
    if (this.running?.turn === turn) {
      this.running = undefined;
    }
    turn.resolve();
    await this.deps.postState().catch(() => undefined);
  }

  stop(): void {
    this.running?.turn.abort.abort();
  }

  /** The last error of an answer (the adapter uses its details for actions such as pulling a model). */
  errorOf(messageId: string | undefined): TieredError | undefined {
    return messageId === undefined ? undefined : this.errors.get(messageId);
  }

  /** The views with the running answer's text so far (the store has only its last checkpoint). */
  withRunningText(views: MessageView[]): MessageView[] {
    const running = this.running;
    if (!running) {
      return views;
    }
    return views.map((v) => (v.id === running.messageId ? { ...v, content: this.runningText } : v));
  }

  /** Streams the model's answer into the message; returns the server's figures when it finished. */
  async stream(request: StreamRequest, signal: AbortSignal): Promise<RequestMetrics | undefined> {
    const { conversationId, messageId, contextReport, sources } = request;
    let text = '';
    let lastCheckpoint = this.deps.clock();
    const every = this.deps.checkpointMs ?? 2000;
    const keepAlive = request.keepAlive !== undefined ? { keepAlive: request.keepAlive } : {};
    try {
      for await (const event of request.backend.chat({ model: request.model, messages: request.prompt.messages, numCtx: request.numCtx, ...keepAlive, signal })) {
        if (event.type === 'token') {
          text += event.text;
          this.runningText = text;
          this.deps.post({ type: 'streamChunk', messageId, text: event.text });
          if (this.deps.clock() - lastCheckpoint >= every) {
            // A crash mid-answer keeps what arrived so far.
            lastCheckpoint = this.deps.clock();
            await this.deps.store.updateMessage(conversationId, messageId, { content: text });
          }
        } else {
          if ((event.result.text || text).trim().length === 0) {
            // Never a silent empty answer.
            throw new TieredError('badResponse', `"${request.model}" finished without writing anything. Retry, or ask a bigger tier.`, { model: request.model }, { kind: 'retry' });
          }
          const figures = figuresOf(event.result.metrics, request.prompt.tokens);
          await this.deps.store.updateMessage(conversationId, messageId, { content: event.result.text || text, status: 'complete', meta: { metrics: figures } });
          this.deps.post({ type: 'streamEnd', messageId, status: 'complete', figures, contextReport, sources });
          return event.result.metrics;
        }
      }
      // The stream ended without `done`: keep what came, marked as cut off.
      await this.deps.store.updateMessage(conversationId, messageId, { content: text, status: 'cutOff' });
      this.deps.post({ type: 'streamEnd', messageId, status: 'cutOff', figures: undefined, contextReport, sources });
      return undefined;
    } catch (error) {
      // Keep the partial answer before reporting.
      await this.deps.store.updateMessage(conversationId, messageId, { content: text, status: signal.aborted || text.length > 0 ? 'cutOff' : 'error' }).catch(() => undefined);
      throw error;
    }
  }

  /** Marks the answer (if one began) cut off or failed, and shows the error with its actions. Never throws. */
  async fail(conversationId: string, messageId: string | undefined, error: unknown, aborted: boolean): Promise<void> {
    const stopped = aborted || (isTieredError(error) && error.kind === 'aborted');
    const message = error instanceof Error ? error.message : String(error);
    if (messageId !== undefined) {
      const current = this.deps.store.get(conversationId)?.messages.find((m) => m.id === messageId);
      const status = stopped || (current?.content.length ?? 0) > 0 ? 'cutOff' : 'error';
      await this.deps.store.updateMessage(conversationId, messageId, { status, ...(stopped ? {} : { meta: { error: message } }) }).catch(() => undefined);
      this.deps.post({ type: 'streamEnd', messageId, status, figures: undefined, contextReport: current?.meta?.contextReport, sources: current?.meta?.sources });
    }
    if (stopped) {
      return;
    }
    this.deps.logger.warn(`Chat answer failed: ${message}`);
    if (isTieredError(error) && messageId !== undefined) {
      this.errors.set(messageId, error);
    }
    if (messageId === undefined) {
      // No answer to hang the error on (it failed before one began): show the conversation first, so the error
      // lands in it; a state that switched conversations after it would clear it from the view.
      await this.deps.postState().catch(() => undefined);
    }
    this.deps.post({ type: 'error', messageId, message, actions: actionsFor(isTieredError(error) ? error.action : undefined) });
  }

  /**
   * A turn whose answer another feature streams into conversation `conversationId` (the question already stored as
   * `userId`): the answer lands in the history like any other, with the tier badge and the feature's sources.
   */
  async external(conversationId: string, userId: string, request: ExternalTurnRequest): Promise<ExternalTurn> {
    const meta: AnswerMeta = {
      ...(request.tier !== undefined ? { tier: request.tier } : {}),
      model: request.model,
      endpointId: request.endpointId,
      reasons: [...request.reasons],
      ...(request.contextReport !== undefined ? { contextReport: request.contextReport } : {}),
      ...(request.sources !== undefined && request.sources.length > 0 ? { sources: [...request.sources] } : {}),
    };
    const assistant = await this.deps.store.appendMessage(conversationId, { role: 'assistant', content: '', parentId: userId, status: 'streaming', meta });
    const turn = this.openTurn();
    this.start(turn, conversationId, assistant.id);
    await this.deps.postState();
    this.deps.post({ type: 'streamStart', messageId: assistant.id, parentId: userId, badge: { tier: request.tier, model: request.model, reasons: request.reasons } });
    let text = '';
    return {
      signal: turn.abort.signal,
      append: (chunk) => {
        text += chunk;
        this.runningText = text;
        this.deps.post({ type: 'streamChunk', messageId: assistant.id, text: chunk });
      },
      finish: async (footer) => {
        const status = turn.abort.signal.aborted ? 'cutOff' : 'complete';
        const content = footer !== undefined && status === 'complete' ? `${text}\n\n_${footer}_` : text;
        await this.deps.store.updateMessage(conversationId, assistant.id, { content, status });
        this.deps.post({ type: 'streamEnd', messageId: assistant.id, status, figures: undefined, contextReport: request.contextReport, sources: meta.sources });
        await this.close(turn);
      },
      fail: async (error) => {
        await this.deps.store.updateMessage(conversationId, assistant.id, { content: text }).catch(() => undefined);
        await this.fail(conversationId, assistant.id, error, turn.abort.signal.aborted);
        await this.close(turn);
      },
    };
  }
}
