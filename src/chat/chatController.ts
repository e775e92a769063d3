/**
 * The chat's behaviour, independent of VS Code: it answers protocol messages from the webview, routes each
 * question to a tier and model, streams the answer, persists everything through the {@link HistoryStore}, and
 * posts state back. The adapter (`providers/chat/chatViewProvider.ts`) supplies the ports and handles what needs
 * the editor (code actions, file pickers, opening a source, commands). Pure: no `vscode` import.
 *
 * Its parts: {@link Conversations} (which conversation, branches, pins, trash), `answerPlan.ts` (route, budget,
 * prompt, sources), {@link AnswerStreamer} (the answer being written) and `retrievalDecision.ts` (when the
 * workspace index is searched). An answer goes through {@link ChatController.answer}'s stages in order.
 */
import type { TieredError } from '../backend/errors';
import { coverageOf } from '../context/promptSizer';
import type { Tier } from '../settings/schema';
import type { ChatStateSnapshot, ContextChip, PickerOption, WebviewToHost } from '../webview/protocol';
import { noModelError, recoveredNotice } from './answerOutcome';
import { planAnswer, type ChatEnvironment, type ReadyPlan, type RouteExtras } from './answerPlan';
import type { ChatAskRequest, ChatControllerDeps } from './chatPorts';
import { recordedSource } from './answerSources';
import { AnswerStreamer, type ExternalTurn, type ExternalTurnRequest, type Turn } from './answerStreamer';
import { buildSnapshot } from './chatSnapshot';
import type { AnswerMeta, AnswerSource, ChatHistoryMessage } from './chatTypes';
import { Conversations, STATE_WINDOW } from './conversations';
import { biggerTier, pickerOptions } from './messageViews';
import { adjustPrompt, type ChatContextItem } from './promptAssembly';
import { describeRetrieval, retrievalFor } from './retrievalDecision';

export { STATE_WINDOW, type ChatAskRequest, type ChatControllerDeps, type ChatEnvironment, type ExternalTurn, type ExternalTurnRequest };

export class ChatController {
  private readonly conversations: Conversations;
  private readonly streamer: AnswerStreamer;
  private readonly removedChips = new Set<string>();
  private codebaseOn: boolean;
  /** A model worth pulling, from the last "no model" answer (the adapter's Pull action uses it). */
  noModelSuggestion: string | undefined;
  private lastPicker: readonly PickerOption[] = [{ choice: { kind: 'auto' }, label: 'Auto (router decides)' }];
  /** When this session began: an answer still "streaming" from before it was cut off by a crash or a reload. */
  private readonly sessionStart: number;

  constructor(private readonly deps: ChatControllerDeps) {
    this.sessionStart = (deps.now ?? Date.now)();
    this.conversations = new Conversations(deps);
    this.streamer = new AnswerStreamer({ ...deps, postState: () => this.postState() });
    this.codebaseOn = deps.codebaseToggle?.initial ?? false;
  }

  get activeConversationId(): string | undefined {
    return this.conversations.activeIdOrUndefined;
  }

  /** The answer being streamed now, if any (tests, adapter). */
  get streaming(): Promise<void> | undefined {
    return this.streamer.current?.done;
  }

  /** Handles one validated webview message. Messages needing the editor return false (the adapter handles them). */
  async handle(message: WebviewToHost): Promise<boolean> {
    // No await before `send` reads the context (see `send`).
    switch (message.type) {
      case 'ready':
        await this.postState();
        for (const report of this.deps.store.recovered) {
          this.deps.post(recoveredNotice(report));
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
      case 'deleteConversation':
        await this.deleteConversation(message.conversationId);
        return true;
      case 'removeChip':
        this.removedChips.add(message.chipId);
        await this.postState();
        return true;
      case 'setCodebase':
        this.codebaseOn = message.enabled;
        this.deps.codebaseToggle?.remember(message.enabled);
        await this.postState();
        return true;
      case 'errorAction':
        return this.errorAction(message.action, message.messageId);
      case 'showEarlier':
      case 'newConversation':
      case 'switchConversation':
      case 'renameConversation':
      case 'undoDelete':
      case 'setModelChoice':
      case 'switchBranch':
      case 'search':
        if ((await this.conversations.handle(message, this.streamer.current !== undefined)) === 'postState') {
          await this.postState();
        }
        return true;
      case 'codeAction':
      case 'exportConversation':
      case 'importConversation':
      case 'pickFile':
      case 'savePrompt':
      case 'saveAsTestCase':
      case 'listPrompts':
      case 'runPrompt':
      case 'openLink':
      case 'openSource':
        return false;
      default:
        return assertNever(message);
    }
  }

  /** The last error of an answer (the adapter uses its details for actions such as pulling a model). */
  errorOf(messageId: string | undefined): TieredError | undefined {
    return this.streamer.errorOf(messageId);
  }

  /**
   * The source the webview asked to open, if it is one of that answer's recorded sources in the conversation shown
   * (the adapter then opens it, inside the workspace only); undefined otherwise.
   */
  sourceToOpen(messageId: string, asked: Omit<AnswerSource, 'kind'>): AnswerSource | undefined {
    return recordedSource(this.conversations.active(), messageId, asked);
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
    // "Undo" is offered by the one state after a delete.
    this.conversations.undoDeleteId = undefined;
  }

  async snapshot(): Promise<ChatStateSnapshot> {
    const env = await this.deps.environment().catch(() => undefined);
    if (env !== undefined) {
      this.lastPicker = pickerOptions(env);
    }
    return buildSnapshot({
      store: this.deps.store,
      conversation: this.conversations.active(),
      windowSize: this.conversations.windowSize,
      undoDeleteId: this.conversations.undoDeleteId,
      streamer: this.streamer,
      sessionStart: this.sessionStart,
      env,
      picker: this.lastPicker,
      chips: this.chips(),
      codebase: this.deps.retrieve !== undefined && (this.deps.retrievalAvailable?.() ?? true) ? this.codebaseOn : undefined,
    });
  }

  stop(): void {
    this.streamer.stop();
  }

  /**
   * Starts a new turn from outside the webview (a saved prompt, "Ask Tiered About Selection"): routed as `task`
   * with the saved prompt's hints, through the same context engine and history as a typed message.
   * `context` replaces the offered chips for this turn when given.
   */
  async ask(request: ChatAskRequest): Promise<void> {
    // A command is an explicit new request: it replaces an answer still running rather than being dropped.
    const running = this.streamer.current;
    if (running) {
      this.streamer.stop();
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
    if (this.streamer.current) {
      return undefined;
    }
    const id = await this.conversations.conversationFor(request.text);
    const user = await this.deps.store.appendMessage(id, { role: 'user', content: request.text });
    return this.streamer.external(id, user.id, request);
  }

  dispose(): void {
    this.stop();
  }

  // ---- conversation turns ------------------------------------------------------------------------------------

  private async send(text: string, options: { contextFree?: boolean; route?: RouteExtras; context?: readonly ChatContextItem[] } = {}): Promise<void> {
    if (this.streamer.current) {
      return;
    }
    // Read before the first await: the adapter forgets `@`-picked files (and the consent given for a sensitive one)
    // right after handing the message over, so context read later would lose them.
    const context = options.contextFree ? [] : (options.context ?? this.contextItems());
    const id = await this.conversations.conversationFor(text);
    const user = await this.deps.store.appendMessage(id, { role: 'user', content: text });
    await this.answer(id, user, context, undefined, options.route);
  }

  private async regenerate(messageId: string, tierOverride: Tier | undefined): Promise<void> {
    const conversation = this.conversations.active();
    if (!conversation || this.streamer.current) {
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
    const answer = this.conversations.active()?.messages.find((m) => m.id === messageId);
    const bigger = biggerTier(answer?.meta?.tier);
    if (bigger.alreadyBiggest) {
      this.deps.post({ type: 'notice', level: 'info', message: 'This answer already came from the biggest tier (moe); answering again with it.' });
    }
    await this.regenerate(messageId, bigger.tier);
  }

  private async editAndResend(messageId: string, text: string): Promise<void> {
    const conversation = this.conversations.active();
    const original = conversation?.messages.find((m) => m.id === messageId);
    if (!conversation || !original || original.role !== 'user' || this.streamer.current) {
      return;
    }
    // A sibling of the original: the earlier branch stays in the history.
    const user = await this.deps.store.appendMessage(conversation.id, { role: 'user', content: text, parentId: original.parentId });
    await this.answer(conversation.id, user, this.contextItems(), undefined);
  }

  private async deleteConversation(id: string): Promise<void> {
    const running = this.streamer.current;
    if (running?.conversationId === id) {
      this.stop();
      await running.done;
    }
    await this.conversations.trash(id);
    await this.postState();
  }

  private async errorAction(action: string, messageId: string | undefined): Promise<boolean> {
    if (action !== 'retry' && action !== 'retryBiggerTier') {
      return false;
    }
    // Without an answer to retry (the request failed before one started), the question shown last is asked again.
    const target = messageId ?? this.conversations.active()?.headId ?? undefined;
    if (target !== undefined) {
      await (action === 'retry' ? this.regenerate(target, undefined) : this.retryBigger(target));
    }
    return true;
  }

  // ---- one answer, in stages ----------------------------------------------------------------------------------

  /**
   * Answers `user` into a new assistant message: retrieve from the index (when asked), plan (route, budget, prompt,
   * sources), say what was cut, store the answer's placeholder with its sources, stream. Never throws: failures
   * become an error in the conversation, with an action.
   */
  private async answer(conversationId: string, user: ChatHistoryMessage, context: readonly ChatContextItem[], tierOverride: Tier | undefined, started?: RouteExtras): Promise<void> {
    // A message typed in the chat is routed as chat; a turn a command started (a saved prompt) as it says. Only a
    // typed one retrieves by itself (the codebase toggle): a saved prompt brings its own code.
    const extras = started ?? { task: 'chat' };
    const turn = this.streamer.openTurn();
    let answerId: string | undefined;
    try {
      // Retrieved chunks go after what the user chose, best first: the budget serves the user's own context first,
      // and a chunk that does not fit is trimmed or dropped, and said so, like any context item.
      const retrieved = await this.retrieve(user.content, started === undefined && this.codebaseOn, turn.abort.signal);
      const env = await this.deps.environment();
      const conversation = this.deps.store.get(conversationId);
      if (!conversation) {
        return;
      }
      const plan = await planAnswer({
        conversation,
        user,
        context: [...context, ...retrieved.items],
        retrieved,
        tierOverride,
        extras,
        env,
        backends: this.deps.backends,
        counter: this.deps.counter,
        sizer: this.deps.sizer,
        ...(this.deps.adviseRoute !== undefined ? { adviseRoute: this.deps.adviseRoute } : {}),
        signal: turn.abort.signal,
      });
      if (plan.kind === 'noModel') {
        await this.postState();
        this.deps.post(noModelError(plan.decision.tier, plan.decision.suggestion, plan.decision.suggestedModel));
        this.noModelSuggestion = plan.decision.suggestedModel;
        return;
      }
      if (plan.notice !== undefined) {
        this.deps.post({ type: 'notice', ...plan.notice });
      }
      answerId = await this.beginAnswer(turn, conversationId, user.id, plan);
      if (!plan.backend) {
        throw new Error(`The endpoint "${plan.decision.endpointId}" is not configured any more.`);
      }
      const { prompt, numCtx, contextReport, sources, backend } = plan;
      const metrics = await this.streamer.stream({ conversationId, messageId: answerId, backend, model: plan.decision.model, prompt, numCtx, keepAlive: env.keepAlive, contextReport, sources }, turn.abort.signal);
      if (metrics !== undefined) {
        // The server's count of what it ran teaches the model's calibration (only counts that cover the whole prompt).
        this.deps.sizer?.observe(plan.sized, prompt.messages, metrics, coverageOf(backend.kind));
      }
    } catch (error) {
      await this.streamer.fail(conversationId, answerId, error, turn.abort.signal.aborted);
    } finally {
      await this.streamer.close(turn);
    }
  }

  /** The index's chunks for a question that asks for them (`@codebase`, or the toggle on and a question about code). */
  private async retrieve(question: string, auto: boolean, signal: AbortSignal): Promise<{ items: readonly ChatContextItem[]; why: string }> {
    const reason = this.deps.retrieve === undefined ? undefined : retrievalFor(question, auto);
    if (reason === undefined || this.deps.retrieve === undefined) {
      return { items: [], why: '' };
    }
    return { items: await this.deps.retrieve(question, signal), why: describeRetrieval(reason) };
  }

  /** Stores the answer's placeholder (its meta carries the sources, so the chips survive a reload) and starts it. */
  private async beginAnswer(turn: Turn, conversationId: string, userId: string, plan: ReadyPlan): Promise<string> {
    const { decision } = plan;
    const meta: AnswerMeta = {
      tier: decision.tier,
      model: decision.model,
      endpointId: decision.endpointId,
      reasons: [...decision.reasons],
      contextReport: plan.contextReport,
      ...(plan.sources.length > 0 ? { sources: [...plan.sources] } : {}),
    };
    const assistant = await this.deps.store.appendMessage(conversationId, { role: 'assistant', content: '', parentId: userId, status: 'streaming', meta });
    this.streamer.start(turn, conversationId, assistant.id);
    await this.postState();
    this.deps.post({ type: 'streamStart', messageId: assistant.id, parentId: userId, badge: { tier: decision.tier, model: decision.model, reasons: decision.reasons } });
    return assistant.id;
  }

  private contextItems(): ChatContextItem[] {
    return this.deps.context().filter((i) => !this.removedChips.has(i.id));
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
