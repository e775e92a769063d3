import * as path from 'node:path';
import * as vscode from 'vscode';
import { ChatController, type ChatAskRequest, type ChatEnvironment, type ExternalTurn, type ExternalTurnRequest } from '../../chat/chatController';
import { HistoryStore } from '../../chat/historyStore';
import { approximateCounter } from '../../context/tokenCounter';
import { parseWebviewMessage, type HostToWebview, type PromptMenuItem, type WebviewToHost } from '../../webview/protocol';
import { slashDraft, slashPromptCommands, type SlashRunArgument } from '../prompts/slashPrompts';
import { commandIds, viewIds } from '../commands/commandIds';
import { routerEnvironment } from '../../routing/routingService';
import { chatAskSchema } from './chatAsk';
import type { Services } from '../services';
import { chatHtml } from './chatHtml';
import { promptSizerFor } from '../shared/promptSizing';
import { ChatEditorBridge } from './chatEditorActions';
import { retrieveForChat } from '../index/codebaseRetrieval';
import { workspaceIndexService } from '../index/registerIndex';
import { openAnswerLink, openSourceInWorkspace } from './chatOpeners';

const ACTIVE_KEY = 'tiered.chat.activeConversation';
const CODEBASE_KEY = 'tiered.chat.codebase';

/**
 * The chat view (`tiered.chat`): a webview with a strict CSP, talking the typed protocol. Every inbound message
 * is validated with zod (invalid ones are logged and dropped); posts are queued until the webview says `ready`.
 * The conversation logic lives in the pure {@link ChatController}; this class only adapts VS Code.
 */
export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: HostToWebview[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private viewDisposables: vscode.Disposable[] = [];
  private sessionPromise: Promise<{ readonly controller: ChatController; readonly store: HistoryStore }> | undefined;
  private readonly bridge: ChatEditorBridge;
  private chipTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly services: Services) {
    this.bridge = new ChatEditorBridge((kind) => this.contextChanged(kind), services.sensitiveFiles);
    this.disposables.push(this.bridge);
    // Another window may have written: pick it up when this window gets focus again.
    vscode.window.onDidChangeWindowState((s) => s.focused && this.view?.visible && void this.refresh(), undefined, this.disposables);
    // The server's state is shown in the chat before the user types: follow it.
    this.disposables.push(services.connection.onDidChange(() => this.view?.visible && this.ready && void this.controller().then((c) => c.postState())));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeView();
    this.view = view;
    this.ready = false;
    this.queue = [];
    const root = vscode.Uri.joinPath(this.services.extension.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [root] };
    view.webview.html = chatHtml({
      cspSource: view.webview.cspSource,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'chat.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'chat.css')).toString(),
    });
    view.webview.onDidReceiveMessage((data: unknown) => void this.receive(data), undefined, this.viewDisposables);
    view.onDidChangeVisibility(() => view.visible && void this.refresh(), undefined, this.viewDisposables);
    view.onDidDispose(
      () => {
        // The controller (and a running answer) outlive the webview; the next resolve gets the state again.
        this.view = undefined;
        this.ready = false;
        this.disposeView();
      },
      undefined,
      this.viewDisposables,
    );
  }

  /** A turn answered by another feature (Explain), shown in this view. */
  async externalTurn(request: ExternalTurnRequest): Promise<ExternalTurn | undefined> {
    await vscode.commands.executeCommand(`${viewIds.chat}.focus`);
    return (await this.controller()).externalTurn(request);
  }

  /** Starts a turn from a command (saved prompts, Ask About Selection): same routing, context engine and history. */
  async ask(request: ChatAskRequest): Promise<void> {
    await (await this.controller()).ask(request);
  }

  /** Runs a protocol message as if the webview had sent it (commands use this). */
  async run(message: WebviewToHost): Promise<void> {
    await this.dispatch(message);
  }

  async exportActive(format: 'markdown' | 'json'): Promise<void> {
    const controller = await this.controller();
    const id = controller.activeConversationId;
    if (id === undefined) {
      void vscode.window.showInformationMessage('Tiered: there is no conversation to export yet.');
      return;
    }
    await this.exportConversation(id, format);
  }

  dispose(): void {
    this.disposeView();
    void this.sessionPromise?.then((s) => s.controller.dispose());
    vscode.Disposable.from(...this.disposables).dispose();
  }

  // ---- messages ---------------------------------------------------------------------------------------------

  private async receive(data: unknown): Promise<void> {
    const parsed = parseWebviewMessage(data);
    if (!parsed.ok) {
      this.services.logger.warn(`Chat view: dropped an invalid message (${parsed.reason})`);
      return;
    }
    if (parsed.message.type === 'ready') {
      this.ready = true;
    }
    await this.dispatch(parsed.message);
    if (parsed.message.type === 'ready') {
      this.flushQueue();
      // The `/` menu has the list at hand on the first keystroke (it asks again each time it opens).
      void this.postPrompts();
    }
  }

  private async dispatch(message: WebviewToHost): Promise<void> {
    try {
      const controller = await this.controller();
      if (message.type === 'send') {
        // Picked files are for one message.
        const handled = controller.handle(message);
        // A sensitive file left out is said, never silent (the controller read the context synchronously above).
        const note = this.bridge.withheldNote();
        if (note !== undefined) {
          this.post({ type: 'notice', level: 'info', message: note });
        }
        this.bridge.clearPicked();
        await handled;
        return;
      }
      if (await controller.handle(message)) {
        return;
      }
      await this.handleEditorMessage(message, controller);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.services.logger.error(`Chat view: ${message.type} failed: ${text}`);
      this.post({ type: 'error', messageId: undefined, message: text, actions: [{ id: 'showLog', label: 'Show log' }] });
    }
  }

  private async handleEditorMessage(message: WebviewToHost, controller: ChatController): Promise<void> {
    switch (message.type) {
      case 'codeAction':
        await this.bridge.codeAction(message.action, message.code, message.language);
        return;
      case 'exportConversation':
        await this.exportConversation(message.conversationId, message.format);
        return;
      case 'importConversation':
        await this.importConversation(controller);
        return;
      case 'pickFile':
        if (await this.bridge.pickFile()) {
          await controller.postState();
        }
        return;
      case 'savePrompt': {
        // The prompt library asks where to keep it (workspace or user) and its name, and saves it atomically.
        const conversation = controller.activeConversationId;
        const text = conversation !== undefined ? (await this.store()).get(conversation)?.messages.find((m) => m.id === message.messageId)?.content : undefined;
        if (text !== undefined) {
          await vscode.commands.executeCommand(commandIds.promptsSaveSelection, { text });
        }
        return;
      }
      case 'saveAsTestCase': {
        // The evaluation feature writes the case (next to the saved prompt, or in the "Chat answers" suite).
        const conversation = controller.activeConversationId;
        const messages = conversation !== undefined ? ((await this.store()).get(conversation)?.messages ?? []) : [];
        const answer = messages.find((m) => m.id === message.messageId);
        const question = messages.find((m) => m.id === answer?.parentId);
        if (answer !== undefined && answer.content.trim() !== '') {
          await vscode.commands.executeCommand(commandIds.saveChatAnswerAsCase, { message: question?.content ?? '', answer: answer.content, rating: message.rating });
        }
        return;
      }
      case 'errorAction':
        await this.errorAction(message.action, message.messageId, controller);
        return;
      case 'openLink':
        await openAnswerLink(message.url);
        return;
      case 'openSource': {
        // Only one of that answer's recorded sources, and only inside the workspace: the webview may name any path.
        const source = controller.sourceToOpen(message.messageId, message);
        if (source === undefined || !(await openSourceInWorkspace(source, vscode.workspace.workspaceFolders ?? []))) {
          this.services.logger.warn(`Chat view: did not open ${message.path}:${message.startLine}-${message.endLine} (not a source of that answer in this workspace)`);
        }
        return;
      }
      case 'listPrompts':
        await this.postPrompts();
        return;
      case 'runPrompt': {
        // The prompt library runs it exactly like "Run Saved Prompt…"; its runner streams the answer into this view.
        const argument: SlashRunArgument = { promptId: message.promptId, name: message.name, ...(message.extra !== undefined ? { extra: message.extra } : {}) };
        const ran = await vscode.commands.executeCommand<boolean | undefined>(slashPromptCommands.run, argument);
        if (ran !== true) {
          // Cancelled (an input asked for) or not runnable: the user's words go back into the box, not lost.
          this.post({ type: 'setDraft', text: slashDraft(message.name, message.extra) });
        }
        return;
      }
      default:
        this.services.logger.debug(`Chat view: nothing to do for ${message.type}`);
    }
  }

  private async errorAction(action: string, messageId: string | undefined, controller: ChatController): Promise<void> {
    switch (action) {
      case 'startServer': {
        const terminal = vscode.window.createTerminal('Ollama');
        terminal.show();
        terminal.sendText('ollama serve');
        return;
      }
      case 'pullModel': {
        const model = controller.errorOf(messageId)?.details.model ?? controller.noModelSuggestion;
        if (model !== undefined && /^[\w.:/-]+$/.test(model)) {
          const terminal = vscode.window.createTerminal('Ollama pull');
          terminal.show();
          terminal.sendText(`ollama pull ${model}`);
        }
        return;
      }
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'tiered');
        return;
      case 'checkConnection':
        await vscode.commands.executeCommand(commandIds.checkConnection);
        return;
      case 'showLog':
        this.services.log.show();
        return;
      default:
        return;
    }
  }

  private async exportConversation(id: string, format: 'markdown' | 'json'): Promise<void> {
    const store = await this.store();
    const conversation = store.get(id);
    if (!conversation) {
      return;
    }
    const ext = format === 'markdown' ? 'md' : 'json';
    const safe = conversation.title.replace(/[^\w .-]+/g, '_').slice(0, 60) || 'conversation';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export conversation',
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${safe}.${ext}`) } : {}),
      filters: format === 'markdown' ? { Markdown: ['md'] } : { JSON: ['json'] },
    });
    if (!target) {
      return;
    }
    const text = format === 'markdown' ? store.exportMarkdown(id) : store.exportJson(id);
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`Tiered: exported "${conversation.title}" to ${path.basename(target.fsPath)}.`);
  }

  private async importConversation(controller: ChatController): Promise<void> {
    const picked = await vscode.window.showOpenDialog({ title: 'Import a conversation (JSON export)', canSelectMany: false, filters: { JSON: ['json'] } });
    const uri = picked?.[0];
    if (!uri) {
      return;
    }
    const bytes = await vscode.workspace.fs.readFile(uri);
    const result = await (await this.store()).importJson(Buffer.from(bytes).toString('utf8'));
    if (!result.ok) {
      void vscode.window.showErrorMessage(`Tiered: the file was not imported. ${result.reason}`);
      return;
    }
    await controller.handle({ type: 'switchConversation', conversationId: result.conversation.id });
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  private post(message: HostToWebview): void {
    if (this.view && this.ready) {
      void this.view.webview.postMessage(message);
    } else if (message.type === 'state' || message.type === 'notice' || message.type === 'error') {
      // Chunks are not queued: the state sent after `ready` carries the text streamed so far.
      this.queue.push(message);
      if (this.queue.length > 50) {
        this.queue.splice(0, this.queue.length - 50);
      }
    }
  }

  /** Sends the saved prompts for the `/` menu (an empty list when the prompt library is not running). */
  private async postPrompts(): Promise<void> {
    let prompts: readonly PromptMenuItem[] = [];
    try {
      prompts = (await vscode.commands.executeCommand<PromptMenuItem[] | undefined>(slashPromptCommands.menu)) ?? [];
    } catch (error) {
      this.services.logger.warn(`Chat view: no saved prompts for the / menu (${error instanceof Error ? error.message : String(error)})`);
    }
    this.post({ type: 'prompts', prompts });
  }

  private flushQueue(): void {
    const pending = this.queue.filter((m) => m.type !== 'state');
    this.queue = [];
    for (const m of pending) {
      this.post(m);
    }
  }

  private contextChanged(kind: 'editor' | 'selection'): void {
    if (!this.view?.visible) {
      return;
    }
    if (this.chipTimer !== undefined) {
      clearTimeout(this.chipTimer);
    }
    this.chipTimer = setTimeout(() => {
      void this.controller().then((c) => {
        if (kind === 'editor') {
          c.contextChanged();
        }
        return c.postState();
      });
    }, 300);
  }

  private async refresh(): Promise<void> {
    const store = await this.store();
    const changed = await store.refresh();
    if (changed.length > 0) {
      await (await this.controller()).postState();
    }
  }

  private async store(): Promise<HistoryStore> {
    return (await this.session()).store;
  }

  private async controller(): Promise<ChatController> {
    return (await this.session()).controller;
  }

  /** Opens the history and builds the controller once, on first use. */
  private session(): Promise<{ readonly controller: ChatController; readonly store: HistoryStore }> {
    this.sessionPromise ??= this.createSession();
    return this.sessionPromise;
  }

  private async createSession(): Promise<{ readonly controller: ChatController; readonly store: HistoryStore }> {
    const ctx = this.services.extension;
    // Per workspace; without a workspace, a shared folder in global storage.
    const base = ctx.storageUri ?? vscode.Uri.joinPath(ctx.globalStorageUri, 'no-workspace');
    const store = await HistoryStore.open({ folder: path.join(base.fsPath, 'chat'), logger: this.services.logger });
    for (const report of store.recovered) {
      this.services.logger.warn(`Chat history recovered: ${JSON.stringify(report)}`);
    }
    const counter = approximateCounter();
    const controller = new ChatController({
      store,
      post: (m) => this.post(m),
      backends: () => this.services.backends.all(),
      environment: () => this.environment(),
      counter,
      sizer: promptSizerFor(ctx),
      context: () => this.bridge.contextItems(),
      retrieve: (question, signal) => retrieveForChat(this.services, question, signal),
      // A preference of the user's (every workspace), on by default: answers about their code work with no setup.
      codebaseToggle: { initial: ctx.globalState.get<boolean>(CODEBASE_KEY) ?? true, remember: (on) => void ctx.globalState.update(CODEBASE_KEY, on) },
      retrievalAvailable: () => (workspaceIndexService()?.state.activity ?? 'off') !== 'off',
      adviseRoute: (input, env, signal) => this.services.routing.adviseBorderline(input, env, signal),
      logger: this.services.logger,
      clock: () => performance.now(),
      rememberActive: (id) => void ctx.workspaceState.update(ACTIVE_KEY, id),
      initialActiveId: ctx.workspaceState.get<string>(ACTIVE_KEY),
    });
    // The codebase toggle shows while there is an index: follow it turning on or off (the first state may precede it).
    let indexed = (workspaceIndexService()?.state.activity ?? 'off') !== 'off';
    const watch = workspaceIndexService()?.onDidChange((state) => {
      if ((state.activity !== 'off') !== indexed) {
        indexed = state.activity !== 'off';
        if (this.ready) {
          void controller.postState();
        }
      }
    });
    if (watch !== undefined) {
      this.disposables.push(watch);
    }
    return { controller, store };
  }

  private async environment(): Promise<ChatEnvironment> {
    const connection = this.services.connection;
    // Stale reports of a server that was down must not answer "no model": check again until one answers.
    const reports = connection.reports.some((r) => r.reachable) ? connection.reports : await connection.check();
    const settings = this.services.settings.current;
    const down = reports.some((r) => r.reachable) ? undefined : reports.find((r) => r.error !== undefined)?.error;
    return {
      router: routerEnvironment(settings, reports, this.services.routing.speeds),
      answerReserveTokens: settings['context.answerReserveTokens'],
      maxContextTokens: settings['context.maxContextTokens'],
      keepAlive: settings.keepAlive,
      ...(down !== undefined ? { unreachable: down } : {}),
    };
  }

  private disposeView(): void {
    vscode.Disposable.from(...this.viewDisposables).dispose();
    this.viewDisposables = [];
  }
}

/** The chat feature: the view, and its commands. */
export function registerChat(services: Services): vscode.Disposable {
  const provider = new ChatViewProvider(services);
  const attachment = services.chatHub.attach(provider);
  const focus = async (): Promise<void> => {
    await vscode.commands.executeCommand(`${viewIds.chat}.focus`);
  };
  return vscode.Disposable.from(
    attachment,
    provider,
    vscode.window.registerWebviewViewProvider(viewIds.chat, provider),
    vscode.commands.registerCommand(commandIds.chatNewConversation, async () => {
      await focus();
      await provider.run({ type: 'newConversation' });
    }),
    vscode.commands.registerCommand(commandIds.chatExport, () => provider.exportActive('markdown')),
    // Internal: other features start a chat turn through this command (validated: it is callable by anyone).
    vscode.commands.registerCommand(commandIds.chatAsk, async (arg: unknown) => {
      const parsed = chatAskSchema.safeParse(arg);
      if (!parsed.success) {
        services.logger.warn(`Chat: ignored an invalid ask (${parsed.error.issues.map((i) => i.message).join('; ')})`);
        return;
      }
      await focus();
      await provider.ask(parsed.data);
    }),
    vscode.commands.registerCommand(commandIds.chatImport, async () => {
      await focus();
      await provider.run({ type: 'importConversation' });
    }),
  );
}

