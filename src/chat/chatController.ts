/**
 * The chat's behaviour, independent of VS Code: it answers protocol messages from the webview, routes each
 * question to a tier and model, streams the answer, persists everything through the {@link HistoryStore}, and
 * posts state back. The adapter (`providers/chat/chatViewProvider.ts`) supplies the ports and handles what needs
 * the editor (code actions, file pickers, commands). Pure: no `vscode` import.
 */
import { isTieredError, TieredError } from '../backend/errors';
import type { LlmBackend, RequestMetrics } from '../backend/types';
import { computeBudget } from '../context/budget';
import { coverageOf } from '../context/promptSizer';
import type { PromptSizer } from '../context/promptSizer';
import type { TokenCounter } from '../context/tokenCounter';
import { chatModels } from '../routing/modelTraits';
import { route } from '../routing/router';
import type { RouteCode, RouteDecision, RouterEnvironment } from '../routing/types';
import type { TaskKind, Tier } from '../settings/schema';
import { checkPromptFits } from '../onboarding/truncationGuard';
import type { Logger } from '../util/logger';
import type {
  ChatStateSnapshot,
  ContextChip,
  HostToWebview,
  MessageView,
  ModelChoice,
  PickerOption,
  WebviewToHost,
} from '../webview/protocol';
import { untitledTitle, type AnswerMeta, type ChatHistoryMessage, type Conversation } from './chatTypes';
import { latestLeafUnder, threadOf } from './conversationState';
import type { HistoryStore } from './historyStore';
import { mentionsCodebase } from '../index/retrieval';
import { actionsFor, figuresOf } from './answerOutcome';
import { choiceOf, isTier, markInterrupted, pinOverride, toViews, windowOf } from './messageViews';
import { adjustPrompt, assembleChatPrompt, contextLineCount, essentialPromptTokens, titleFrom, withoutRepeatedLines, type AssembledPrompt, type ChatContextItem } from './promptAssembly';

/** What the controller needs from the machine at the moment of a request. */
export interface ChatEnvironment {
  readonly router: RouterEnvironment;
  readonly answerReserveTokens: number;
  readonly maxContextTokens: number;
  readonly keepAlive: string | number | undefined;
  /** Set when no model server answered at all: why (its action is "start the server"), instead of "no model". */
  readonly unreachable?: TieredError;
}

export interface ChatControllerDeps {
  readonly store: HistoryStore;
  /** Posts to the webview (the adapter queues until `ready`). */
  readonly post: (message: HostToWebview) => void;
  readonly backends: () => Promise<readonly LlmBackend[]>;
  readonly environment: () => Promise<ChatEnvironment>;
  readonly counter: TokenCounter;
  /**
   * Counts per model by its calibrated upper bound (so num_ctx holds the real prompt), measures an uncalibrated
   * model with the server's tokenizer where it has one, and learns from each answer. Without it, `counter` as is.
   */
  readonly sizer?: PromptSizer;
  /** The context offered right now (selection, current file, picked files). */
  readonly context: () => readonly ChatContextItem[];
  /** Chunks of the workspace index for a question that mentions `@codebase`, best first (absent: no index). */
  readonly retrieve?: (question: string, signal: AbortSignal) => Promise<readonly ChatContextItem[]>;
  readonly logger: Logger;
  /** Monotonic milliseconds, for checkpoint pacing. */
  readonly clock: () => number;
  /** Saves the active conversation id (workspace state), so a reload reopens it. */
  readonly rememberActive: (id: string | undefined) => void;
  readonly initialActiveId: string | undefined;
  /** How often a streaming answer is checkpointed to disk (ms). */
  readonly checkpointMs?: number;
  /** Wall-clock milliseconds, the history's timestamps' clock (default `Date.now`). */
  readonly now?: () => number;
}

/** How a turn started outside the webview is routed. */
interface RouteExtras {
  readonly task: TaskKind;
  readonly tierHint?: Tier | 'auto';
  readonly modelHint?: string;
  /** What the router reads instead of the message and its context (a built-in prompt routed as its command). */
  readonly routeAs?: { readonly text: string; readonly code?: RouteCode };
}

/** A turn answered by another feature (see {@link ChatController.externalTurn}). */
export interface ExternalTurnRequest {
  /** The user's side of the turn, e.g. "Explain src/a.ts:3-9" and the code. */
  readonly text: string;
  readonly tier: Tier | undefined;
  readonly model: string;
  readonly endpointId: string;
  readonly reasons: readonly string[];
  readonly contextReport?: string;
}

/** The answer side of an external turn. */
export interface ExternalTurn {
  /** Aborts when the user presses Stop. */
  readonly signal: AbortSignal;
  append(text: string): void;
  finish(footer?: string): Promise<void>;
  fail(error: unknown): Promise<void>;
}

/** A turn started from a command (see {@link ChatController.ask}). */
export interface ChatAskRequest extends RouteExtras {
  readonly text: string;
  readonly context?: readonly ChatContextItem[];
}

const TIER_ORDER: readonly Tier[] = ['small', 'code', 'moe'];

/** How many of the latest messages a state snapshot carries at first; `showEarlier` adds this many more. */
export const STATE_WINDOW = 120;

interface Running {
  readonly conversationId: string;
  readonly messageId: string;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

export class ChatController {
  private activeId: string | undefined;
  private running: Running | undefined;
  /** The text streamed so far for the running answer (the store is checkpointed only every few seconds). */
  private runningText = '';
  private undoDeleteId: string | undefined;
  private windowSize = STATE_WINDOW;
  private readonly removedChips = new Set<string>();
  private readonly errors = new Map<string, TieredError>();
  /** A model worth pulling, from the last "no model" answer (the adapter's Pull action uses it). */
  noModelSuggestion: string | undefined;
  private lastPicker: readonly PickerOption[] = [{ choice: { kind: 'auto' }, label: 'Auto (router decides)' }];
  /** When this session began: an answer still "streaming" from before it was cut off by a crash or a reload. */
  private readonly sessionStart: number;

  constructor(private readonly deps: ChatControllerDeps) {
    this.sessionStart = (deps.now ?? Date.now)();
    const initial = deps.initialActiveId;
    this.activeId = initial !== undefined && deps.store.get(initial)?.deletedAt === undefined && deps.store.get(initial) ? initial : deps.store.list()[0]?.id;
  }

  get activeConversationId(): string | undefined {
    return this.activeId;
  }

  /** The answer being streamed now, if any (tests, adapter). */
  get streaming(): Promise<void> | undefined {
    return this.running?.done;
  }

  /** Handles one validated webview message. Messages needing the editor return false (the adapter handles them). */
  async handle(message: WebviewToHost): Promise<boolean> {
    switch (message.type) {
      case 'ready':
        await this.postState();
        for (const report of this.deps.store.recovered) {
          this.deps.post({
            type: 'notice',
            level: 'warning',
            message: `A chat history file was damaged (${report.tornTail ? 'cut off mid-write' : `${report.badLines} damaged line(s)`}); it was recovered up to its last good record. The original is kept at ${report.keptCopy ?? report.file}.`,
          });
        }
        return true;
      case 'send':
        await this.send(message.text);
        return true;
      case 'stop':
        this.stop();
        return true;
      case 'regenerate':
        await this.regenerate(message.messageId, undefined);
        return true;
      case 'retryBiggerTier':
        await this.retryBigger(message.messageId);
        return true;
      case 'adjust':
        await this.send(adjustPrompt(message.style), { contextFree: true });
        return true;
      case 'editAndResend':
        await this.editAndResend(message.messageId, message.text);
        return true;
      case 'switchBranch':
        await this.switchBranch(message.messageId);
        return true;
      case 'showEarlier':
        this.windowSize += STATE_WINDOW;
        await this.postState();
        return true;
      case 'newConversation':
        this.setActive(undefined);
        await this.postState();
        return true;
      case 'switchConversation':
        if (this.deps.store.get(message.conversationId)) {
          this.setActive(message.conversationId);
          await this.deps.store.refresh();
          await this.postState();
        }
        return true;
      case 'renameConversation':
        await this.deps.store.rename(message.conversationId, message.title);
        await this.postState();
        return true;
      case 'deleteConversation':
        await this.deleteConversation(message.conversationId);
        return true;
      case 'undoDelete':
        await this.deps.store.restore(message.conversationId);
        this.undoDeleteId = undefined;
        this.setActive(message.conversationId);
        await this.postState();
        return true;
      case 'search':
        this.deps.post({
          type: 'searchResults',
          requestId: message.requestId,
          hits: this.deps.store.search(message.query, 50).map((h) => ({ conversationId: h.conversationId, title: h.title, snippet: h.snippet })),
        });
        return true;
      case 'setModelChoice':
        await this.setChoice(message.choice);
        return true;
      case 'removeChip':
        this.removedChips.add(message.chipId);
        await this.postState();
        return true;
      case 'errorAction':
        if (message.action === 'retry') {
          // Without an answer to retry (the request failed before one started), the question shown last is asked again.
          const target = message.messageId ?? this.requireActive()?.headId ?? undefined;
          if (target !== undefined) {
            await this.regenerate(target, undefined);
          }
          return true;
        }
        if (message.action === 'retryBiggerTier') {
          const target = message.messageId ?? this.requireActive()?.headId ?? undefined;
          if (target !== undefined) {
            await this.retryBigger(target);
          }
          return true;
        }
        return false;
      case 'codeAction':
      case 'exportConversation':
      case 'importConversation':
      case 'pickFile':
      case 'savePrompt':
      case 'listPrompts':
      case 'runPrompt':
      case 'openLink':
        return false;
      default:
        return assertNever(message);
    }
  }

  /** The last error of an answer (the adapter uses its details for actions such as pulling a model). */
  errorOf(messageId: string | undefined): TieredError | undefined {
    return messageId === undefined ? undefined : this.errors.get(messageId);
  }

  /** Context chips: what {@link ChatControllerDeps.context} offers, minus what the user removed. */
  chips(): ContextChip[] {
    return this.contextItems().map((i) => ({ id: i.id, kind: i.kind, label: i.label, detail: `${i.label} (${i.text.split('\n').length} lines)` }));
  }

  /** Called by the adapter when the editor's selection or file changes: chips removed earlier come back for new context. */
  contextChanged(): void {
    this.removedChips.clear();
  }

  /** Sends the current state to the webview. */
  async postState(): Promise<void> {
    this.deps.post({ type: 'state', state: await this.snapshot() });
  }

  async snapshot(): Promise<ChatStateSnapshot> {
    const conversation = this.activeId !== undefined ? this.deps.store.get(this.activeId) : undefined;
    const env = await this.deps.environment().catch(() => undefined);
    if (env !== undefined) {
      this.lastPicker = this.pickerOptions(env);
    }
    const windowed = windowOf(conversation ? markInterrupted(conversation, this.withRunningText(toViews(conversation)), this.running?.messageId, this.sessionStart) : [], this.windowSize);
    return {
      conversations: this.deps.store.list().map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt, messageCount: c.messageCount })),
      activeId: conversation?.id,
      title: conversation?.title ?? untitledTitle,
      messages: windowed.messages,
      earlierCount: windowed.earlierCount,
      choice: conversation ? choiceOf(conversation) : { kind: 'auto' },
      picker: this.lastPicker,
      chips: this.chips(),
      streamingId: this.running && this.running.conversationId === conversation?.id ? this.running.messageId : undefined,
      undoDeleteId: this.undoDeleteId,
      // Shown before the user types: "start the server" is better said now than after their first message fails.
      // (Nothing was asked yet, so there is nothing to retry.)
      server:
        env?.unreachable !== undefined
          ? { message: env.unreachable.message, actions: actionsFor(env.unreachable.action).filter((a) => a.id !== 'retry' && a.id !== 'retryBiggerTier') }
          : undefined,
    };
  }

  stop(): void {
    this.running?.abort.abort();
  }

  private withRunningText(views: MessageView[]): MessageView[] {
    const running = this.running;
    if (!running) {
      return views;
    }
    return views.map((v) => (v.id === running.messageId ? { ...v, content: this.runningText } : v));
  }

  /**
   * Starts a new turn from outside the webview (a saved prompt, "Ask Tiered About Selection"): routed as `task`
   * with the saved prompt's hints, through the same context engine and history as a typed message.
   * `context` replaces the offered chips for this turn when given.
   */
  async ask(request: ChatAskRequest): Promise<void> {
    // A command is an explicit new request: it replaces an answer still running rather than being dropped.
    const running = this.running;
    if (running) {
      running.abort.abort();
      await running.done;
    }
    await this.send(request.text, {
      route: {
        task: request.task,
        ...(request.tierHint !== undefined ? { tierHint: request.tierHint } : {}),
        ...(request.modelHint !== undefined ? { modelHint: request.modelHint } : {}),
        ...(request.routeAs !== undefined ? { routeAs: request.routeAs } : {}),
      },
      ...(request.context !== undefined ? { context: request.context } : {}),
    });
  }

  /**
   * A turn whose answer another feature streams (Explain): the question and the answer land in the active
   * conversation and its history like any other turn, with the tier badge. Undefined while an answer runs.
   * The returned signal aborts when the user presses Stop in the chat.
   */
  async externalTurn(request: ExternalTurnRequest): Promise<ExternalTurn | undefined> {
    if (this.running) {
      return undefined;
    }
    const id = await this.conversationFor(request.text);
    const user = await this.deps.store.appendMessage(id, { role: 'user', content: request.text });
    const meta: AnswerMeta = {
      ...(request.tier !== undefined ? { tier: request.tier } : {}),
      model: request.model,
      endpointId: request.endpointId,
      reasons: [...request.reasons],
      ...(request.contextReport !== undefined ? { contextReport: request.contextReport } : {}),
    };
    const assistant = await this.deps.store.appendMessage(id, { role: 'assistant', content: '', parentId: user.id, status: 'streaming', meta });
    const abort = new AbortController();
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    this.running = { conversationId: id, messageId: assistant.id, abort, done };
    this.runningText = '';
    await this.postState();
    this.deps.post({ type: 'streamStart', messageId: assistant.id, parentId: user.id, badge: { tier: request.tier, model: request.model, reasons: request.reasons } });
    let text = '';
    const end = async (): Promise<void> => {
      if (this.running?.done === done) {
        this.running = undefined;
      }
      resolveDone();
      await this.postState().catch(() => undefined);
    };
    return {
      signal: abort.signal,
      append: (chunk) => {
        text += chunk;
        this.runningText = text;
        this.deps.post({ type: 'streamChunk', messageId: assistant.id, text: chunk });
      },
      finish: async (footer) => {
        const status = abort.signal.aborted ? 'cutOff' : 'complete';
        const content = footer !== undefined && status === 'complete' ? `${text}\n\n_${footer}_` : text;
        await this.deps.store.updateMessage(id, assistant.id, { content, status });
        this.deps.post({ type: 'streamEnd', messageId: assistant.id, status, figures: undefined, contextReport: request.contextReport });
        await end();
      },
      fail: async (error) => {
        await this.deps.store.updateMessage(id, assistant.id, { content: text }).catch(() => undefined);
        await this.fail(id, assistant.id, error, abort.signal.aborted);
        await end();
      },
    };
  }

  dispose(): void {
    this.stop();
  }

  // ---- conversation turns ------------------------------------------------------------------------------------

  private async send(text: string, options: { contextFree?: boolean; route?: RouteExtras; context?: readonly ChatContextItem[] } = {}): Promise<void> {
    if (this.running) {
      return;
    }
    // Read before the first await: the adapter forgets `@`-picked files (and the consent given for a sensitive one)
    // right after handing the message over, so context read later would lose them.
    const context = options.contextFree ? [] : (options.context ?? this.contextItems());
    const id = await this.conversationFor(text);
    const user = await this.deps.store.appendMessage(id, { role: 'user', content: text });
    await this.answer(id, user, context, undefined, options.route);
  }

  /**
   * The conversation a new message goes to: the active one, or a new one named after the message. One still
   * untitled (created when the model picker changed before the first message, or left so by a stopped or failed
   * first answer) is named after this message: the list never fills with identical "New conversation" entries.
   */
  private async conversationFor(text: string): Promise<string> {
    const current = this.activeId !== undefined ? this.deps.store.get(this.activeId) : undefined;
    if (current === undefined) {
      const created = await this.deps.store.create(titleFrom(text));
      this.setActive(created.id);
      return created.id;
    }
    if (current.title === untitledTitle) {
      await this.deps.store.rename(current.id, titleFrom(text));
    }
    return current.id;
  }

  private async regenerate(messageId: string, tierOverride: Tier | undefined): Promise<void> {
    const conversation = this.requireActive();
    if (!conversation || this.running) {
      return;
    }
    const target = conversation.messages.find((m) => m.id === messageId);
    const parentId = target?.role === 'assistant' ? target.parentId : target?.id;
    const parent = conversation.messages.find((m) => m.id === parentId);
    if (!parent || parent.role !== 'user') {
      return;
    }
    await this.deps.store.setHead(conversation.id, parent.id);
    await this.answer(conversation.id, parent, this.contextItems(), tierOverride);
  }

  private async retryBigger(messageId: string): Promise<void> {
    const conversation = this.requireActive();
    const answer = conversation?.messages.find((m) => m.id === messageId);
    const from = TIER_ORDER.indexOf(isTier(answer?.meta?.tier) ? answer.meta.tier : 'code');
    const next = TIER_ORDER[Math.min(TIER_ORDER.length - 1, from + 1)] ?? 'moe';
    if (from === TIER_ORDER.length - 1) {
      this.deps.post({ type: 'notice', level: 'info', message: 'This answer already came from the biggest tier (moe); answering again with it.' });
    }
    await this.regenerate(messageId, next);
  }

  private async editAndResend(messageId: string, text: string): Promise<void> {
    const conversation = this.requireActive();
    const original = conversation?.messages.find((m) => m.id === messageId);
    if (!conversation || !original || original.role !== 'user' || this.running) {
      return;
    }
    // A sibling of the original: the earlier branch stays in the history.
    const user = await this.deps.store.appendMessage(conversation.id, { role: 'user', content: text, parentId: original.parentId });
    await this.answer(conversation.id, user, this.contextItems(), undefined);
  }

  private async switchBranch(messageId: string): Promise<void> {
    const conversation = this.requireActive();
    if (!conversation || this.running || !conversation.messages.some((m) => m.id === messageId)) {
      return;
    }
    await this.deps.store.setHead(conversation.id, latestLeafUnder(conversation, messageId));
    await this.postState();
  }

  private async deleteConversation(id: string): Promise<void> {
    if (this.running?.conversationId === id) {
      this.stop();
      await this.running?.done;
    }
    await this.deps.store.trash(id);
    this.undoDeleteId = id;
    if (this.activeId === id) {
      this.setActive(this.deps.store.list()[0]?.id);
    }
    await this.postState();
    this.undoDeleteId = undefined;
  }

  private async setChoice(choice: ModelChoice): Promise<void> {
    let id = this.activeId;
    if (id === undefined) {
      id = (await this.deps.store.create(untitledTitle)).id;
      this.setActive(id);
    }
    await this.deps.store.setPin(id, choice.kind === 'auto' ? {} : choice.kind === 'tier' ? { tier: choice.tier } : { model: choice.model });
    await this.postState();
  }

  /**
   * Routes, assembles the prompt, and streams an answer to `user` into a new assistant message.
   * Never throws: failures become an error in the conversation, with an action.
   */
  private async answer(
    conversationId: string,
    user: ChatHistoryMessage,
    context: readonly ChatContextItem[],
    tierOverride: Tier | undefined,
    extras: RouteExtras = { task: 'chat' },
  ): Promise<void> {
    const abort = new AbortController();
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const placeholder: { id: string | undefined } = { id: undefined };
    try {
      // Retrieved chunks go after what the user chose, best first: the budget serves the user's own context first,
      // and a chunk that does not fit is trimmed or dropped, and said so, like any context item.
      const retrieved = this.deps.retrieve !== undefined && mentionsCodebase(user.content) ? await this.deps.retrieve(user.content, abort.signal) : [];
      context = [...context, ...retrieved];
      const env = await this.deps.environment();
      const conversation = this.deps.store.get(conversationId);
      if (!conversation) {
        return;
      }
      const decision = route(
        {
          task: extras.task,
          ...(extras.tierHint !== undefined ? { tierHint: extras.tierHint } : {}),
          ...(extras.modelHint !== undefined ? { modelHint: extras.modelHint } : {}),
          ...routedText(extras, user.content, context),
          override: tierOverride !== undefined ? { tier: tierOverride } : pinOverride(conversation),
        },
        env.router,
      );
      if (decision.kind === 'noModel' && env.unreachable !== undefined) {
        // Nothing is installed because nothing answered: say that, with "Start the server" (not "Pull a model").
        throw env.unreachable;
      }
      if (decision.kind === 'noModel') {
        await this.postState();
        this.deps.post({
          type: 'error',
          messageId: undefined,
          message: `No installed model can answer (wanted tier: ${decision.tier}). ${decision.suggestion}`,
          actions: [
            { id: 'pullModel', label: `Pull ${decision.suggestedModel}` },
            { id: 'checkConnection', label: 'Check connection' },
            { id: 'openSettings', label: 'Open settings' },
          ],
        });
        this.noModelSuggestion = decision.suggestedModel;
        return;
      }
      const backend = (await this.deps.backends()).find((b) => b.id === decision.endpointId);
      const info = env.router.installed.find((m) => m.endpointId === decision.endpointId && m.name === decision.model);
      const thread = threadOf(conversation);
      const sized = { name: decision.model, family: info?.family ?? '' };
      const tokenize = backend === undefined ? undefined : (text: string): Promise<number | undefined> => backend.countTokens(decision.model, text);
      await this.deps.sizer?.measureIfUncalibrated(sized, [...thread.map((m) => m.content), ...context.map((c) => c.text)].join('\n'), tokenize);
      const counter = this.deps.sizer?.counterFor(sized) ?? this.deps.counter;
      const roughNeed = counter.count(thread.map((m) => m.content).join('\n') + context.map((c) => c.text).join('\n'));
      const budget = computeBudget({
        contextLength: info?.contextLength,
        maxContextSetting: env.maxContextTokens,
        answerReserve: env.answerReserveTokens,
        neededTokens: roughNeed + 200,
      });
      // The truncation guard: num_ctx is already sized to the prompt (within the model's and the user's caps), so
      // what still does not fit is the question itself: say so with the numbers rather than cutting it silently.
      const essential = essentialPromptTokens({ thread, counter });
      const fit = checkPromptFits({ model: decision.model, promptTokens: essential, contextTokens: budget.numCtx, answerReserveTokens: budget.numCtx - budget.promptBudget });
      let prompt: AssembledPrompt;
      try {
        prompt = assembleChatPrompt({ thread, context, promptBudget: budget.promptBudget, counter });
      } catch (error) {
        throw fit.fits ? error : new TieredError('contextOverflow', fit.message, { model: decision.model, promptTokens: essential, contextTokens: budget.numCtx }, { kind: 'openSettings', setting: 'tiered.context.maxContextTokens' });
      }
      let contextReport = `${prompt.report}; num_ctx ${budget.numCtx} (${budget.reason})`;
      if (retrieved.length > 0) {
        contextReport += `; sources from the index: ${retrieved.map((r) => r.label).join(', ')}`;
      }
      if (!fit.fits) {
        contextReport += `; the question was shortened by about ${fit.overflowTokens} tokens to fit`;
        this.deps.post({ type: 'notice', level: 'warning', message: `${fit.message} This answer is to the question with its start cut off.` });
      } else if (prompt.droppedMessages > 0) {
        // Long conversations: the system message and the latest turns are kept at the edges; the middle goes, visibly.
        this.deps.post({
          type: 'notice',
          level: 'info',
          message: `This conversation no longer fits the model's context (num_ctx ${budget.numCtx}): the ${prompt.droppedMessages} oldest message(s) were left out of this answer; the system message and the latest turns were kept. Start a new conversation to begin afresh.`,
        });
      }
      const meta: AnswerMeta = { tier: decision.tier, model: decision.model, endpointId: decision.endpointId, reasons: [...decision.reasons], contextReport };
      const assistant = await this.deps.store.appendMessage(conversationId, { role: 'assistant', content: '', parentId: user.id, status: 'streaming', meta });
      placeholder.id = assistant.id;
      this.running = { conversationId, messageId: assistant.id, abort, done };
      this.runningText = '';
      await this.postState();
      this.deps.post({ type: 'streamStart', messageId: assistant.id, parentId: user.id, badge: { tier: decision.tier, model: decision.model, reasons: decision.reasons } });
      if (!backend) {
        throw new Error(`The endpoint "${decision.endpointId}" is not configured any more.`);
      }
      const metrics = await this.stream(conversationId, assistant.id, backend, decision, prompt, budget.numCtx, env.keepAlive, abort.signal, contextReport);
      if (metrics !== undefined) {
        // The server's count of what it ran teaches the model's calibration (only counts that cover the whole prompt).
        this.deps.sizer?.observe(sized, prompt.messages, metrics, coverageOf(backend.kind));
      }
    } catch (error) {
      await this.fail(conversationId, placeholder.id, error, abort.signal.aborted);
    } finally {
      if (this.running?.done === done) {
        this.running = undefined;
      }
      resolveDone();
      await this.postState().catch(() => undefined);
    }
  }

  private async stream(
    conversationId: string,
    messageId: string,
    backend: LlmBackend,
    decision: Extract<RouteDecision, { kind: 'routed' }>,
    prompt: AssembledPrompt,
    numCtx: number,
    keepAlive: string | number | undefined,
    signal: AbortSignal,
    contextReport: string,
  ): Promise<RequestMetrics | undefined> {
    let text = '';
    let lastCheckpoint = this.deps.clock();
    const every = this.deps.checkpointMs ?? 2000;
    try {
      for await (const event of backend.chat({ model: decision.model, messages: prompt.messages, numCtx, ...(keepAlive !== undefined ? { keepAlive } : {}), signal })) {
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
            throw new TieredError('badResponse', `"${decision.model}" finished without writing anything. Retry, or ask a bigger tier.`, { model: decision.model }, { kind: 'retry' });
          }
          const figures = figuresOf(event.result.metrics, prompt.tokens);
          await this.deps.store.updateMessage(conversationId, messageId, { content: event.result.text || text, status: 'complete', meta: { metrics: figures } });
          this.deps.post({ type: 'streamEnd', messageId, status: 'complete', figures, contextReport });
          return event.result.metrics;
        }
      }
      // The stream ended without `done`: keep what came, marked as cut off.
      await this.deps.store.updateMessage(conversationId, messageId, { content: text, status: 'cutOff' });
      this.deps.post({ type: 'streamEnd', messageId, status: 'cutOff', figures: undefined, contextReport });
      return undefined;
    } catch (error) {
      // Keep the partial answer before reporting.
      await this.deps.store.updateMessage(conversationId, messageId, { content: text, status: signal.aborted || text.length > 0 ? 'cutOff' : 'error' }).catch(() => undefined);
      throw error;
    }
  }

  private async fail(conversationId: string, messageId: string | undefined, error: unknown, aborted: boolean): Promise<void> {
    const stopped = aborted || (isTieredError(error) && error.kind === 'aborted');
    const message = error instanceof Error ? error.message : String(error);
    if (messageId !== undefined) {
      const current = this.deps.store.get(conversationId)?.messages.find((m) => m.id === messageId);
      const status = stopped || (current?.content.length ?? 0) > 0 ? 'cutOff' : 'error';
      await this.deps.store.updateMessage(conversationId, messageId, { status, ...(stopped ? {} : { meta: { error: message } }) }).catch(() => undefined);
      this.deps.post({ type: 'streamEnd', messageId, status, figures: undefined, contextReport: current?.meta?.contextReport });
    }
    if (stopped) {
      return;
    }
    this.deps.logger.warn(`Chat answer failed: ${message}`);
    if (isTieredError(error)) {
      if (messageId !== undefined) {
        this.errors.set(messageId, error);
      }
    }
    if (messageId === undefined) {
      // No answer to hang the error on (it failed before one began): show the conversation first, so the error
      // lands in it; a state that switched conversations after it would clear it from the view.
      await this.postState().catch(() => undefined);
    }
    this.deps.post({ type: 'error', messageId, message, actions: actionsFor(isTieredError(error) ? error.action : undefined) });
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  private contextItems(): ChatContextItem[] {
    return this.deps.context().filter((i) => !this.removedChips.has(i.id));
  }

  private requireActive(): Conversation | undefined {
    return this.activeId === undefined ? undefined : this.deps.store.get(this.activeId);
  }

  private setActive(id: string | undefined): void {
    if (id !== this.activeId) {
      this.windowSize = STATE_WINDOW;
    }
    this.activeId = id;
    this.deps.rememberActive(id);
  }

  private pickerOptions(env: ChatEnvironment): PickerOption[] {
    const options: PickerOption[] = [{ choice: { kind: 'auto' }, label: 'Auto (router decides)' }];
    for (const tier of TIER_ORDER) {
      const model = env.router.tiers[tier].model;
      options.push({ choice: { kind: 'tier', tier }, label: `Tier ${tier}${model ? ` (${model})` : ''}` });
    }
    const seen = new Set<string>();
    // As the router: no embedding models, and no completion-only base models while a chat model exists.
    for (const m of chatModels(env.router.installed)) {
      if (seen.has(m.name)) {
        continue;
      }
      seen.add(m.name);
      options.push({ choice: { kind: 'model', model: m.name, endpointId: m.endpointId }, label: m.name });
    }
    return options;
  }
}

/** What the router reads: the message and its context, or what a built-in prompt is routed as. */
function routedText(extras: RouteExtras, text: string, context: readonly ChatContextItem[]): { text: string; code?: RouteCode } {
  if (extras.routeAs !== undefined) {
    return { text: extras.routeAs.text, ...(extras.routeAs.code !== undefined ? { code: extras.routeAs.code } : {}) };
  }
  return { text, ...(context.length > 0 ? { code: codeShape(context) } : {}) };
}

function codeShape(context: readonly ChatContextItem[]): RouteCode {
  // Each line once: a file sent beside a selection from it leaves the selected lines out.
  const lines = contextLineCount(context);
  const chars = withoutRepeatedLines(context).reduce((n, c) => n + c.text.length, 0);
  const languageId = context[0]?.languageId;
  return { lines, chars, ...(languageId ? { languageId } : {}), fileCount: new Set(context.map((c) => c.label.split(':')[0])).size };
}

function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}

