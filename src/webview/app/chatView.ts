// The chat view's DOM, put together: the conversation bar (conversationBar.ts), the messages (messageList.ts) and
// the answer being streamed into them (answerStream.ts), the composer (composer.ts), and the notices. Plain DOM, no
// framework. It takes its document, host connection, Markdown renderer and frame scheduler as parameters, so tests
// and benchmarks run it in jsdom.
import type { ChatStateSnapshot, HostToWebview, WebviewToHost } from '../protocol';
import { AnswerStream } from './answerStream';
import { Composer } from './composer';
import { ConversationBar } from './conversationBar';
import { Dom } from './dom';
import type { MarkdownRenderer } from './markdown';
import { MessageList } from './messageList';
import type { SlashMenu } from './slashMenu';
import type { PersistedViewState } from './vscodeApi';

export interface ChatViewDeps {
  readonly document: Document;
  readonly root: HTMLElement;
  readonly post: (message: WebviewToHost) => void;
  readonly render: MarkdownRenderer;
  /** `requestAnimationFrame` in the webview. */
  readonly scheduleFrame: (callback: () => void) => void;
  readonly saveState: (state: PersistedViewState) => void;
  readonly initialState: PersistedViewState;
}

const EMPTY_STATE: ChatStateSnapshot = {
  conversations: [],
  activeId: undefined,
  title: '',
  messages: [],
  earlierCount: 0,
  choice: { kind: 'auto' },
  picker: [],
  chips: [],
  streamingId: undefined,
  undoDeleteId: undefined,
  server: undefined,
};

export class ChatView {
  private state: ChatStateSnapshot = EMPTY_STATE;
  private readonly doc: Document;
  private readonly dom: Dom;
  private readonly bar: ConversationBar;
  private readonly list: MessageList;
  private readonly stream: AnswerStream;
  private readonly composer: Composer;
  private readonly notice: HTMLElement;
  /** What is wrong with the model server, and what to do, while none answers (before the user types). */
  private readonly serverBanner: HTMLElement;
  private readonly announcer: HTMLElement;
  /** The `/` saved-prompt menu (hooks itself onto the message box; see slashMenu.ts). */
  readonly slashMenu: SlashMenu;

  constructor(private readonly deps: ChatViewDeps) {
    this.doc = deps.document;
    this.dom = new Dom(this.doc);
    this.bar = new ConversationBar(this.dom, (m) => deps.post(m));
    this.notice = this.dom.el('div', { className: 'notice' });
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.serverBanner = this.dom.el('div', { className: 'server-banner' });
    this.serverBanner.setAttribute('role', 'alert');
    this.serverBanner.hidden = true;
    this.list = new MessageList({
      dom: this.dom,
      post: (m) => deps.post(m),
      render: deps.render,
      scheduleFrame: deps.scheduleFrame,
      streamingId: () => this.state.streamingId,
      earlierCount: () => this.state.earlierCount,
      startEdit: (id) => this.composer.startEdit(id),
    });
    this.composer = new Composer({ dom: this.dom, post: (m) => deps.post(m), saveState: (st) => deps.saveState(st), initialState: deps.initialState, messages: () => this.list.messages });
    this.slashMenu = this.composer.slashMenu;
    this.announcer = this.dom.el('div', { className: 'visually-hidden' });
    this.announcer.setAttribute('aria-live', 'polite');
    this.stream = new AnswerStream({
      list: this.list,
      scheduleFrame: deps.scheduleFrame,
      setStreaming: (id) => {
        this.state = { ...this.state, streamingId: id };
        this.composer.setStreaming(id);
      },
      announce: (text) => (this.announcer.textContent = text),
    });
    deps.root.replaceChildren(this.bar.toolbar, this.bar.searchInput, this.bar.searchResults, this.notice, this.serverBanner, this.list.element, this.composer.element, this.announcer);
    this.wireEvents();
  }

  /** Handles one message from the host. */
  handle(message: HostToWebview): void {
    switch (message.type) {
      case 'state':
        this.applyState(message.state);
        break;
      case 'streamStart':
        this.stream.start(message.messageId, message.parentId, message.badge);
        break;
      case 'streamChunk':
        this.stream.chunk(message.messageId, message.text);
        break;
      case 'streamEnd':
        this.stream.end(message);
        break;
      case 'error':
        this.list.showError(message.messageId, message.message, message.actions);
        break;
      case 'notice':
        this.showNotice(message.message, message.level);
        break;
      case 'searchResults':
        this.bar.showSearchResults(message.requestId, message.hits);
        break;
      case 'prompts':
        this.slashMenu.setPrompts(message.prompts);
        break;
      case 'setDraft':
        this.composer.setDraft(message.text);
        break;
      default:
        assertNever(message);
    }
  }

  /** The message list element (tests, benchmarks). */
  get messageList(): HTMLElement {
    return this.list.element;
  }

  /** Frames flushed while streaming: observable by tests and benchmarks. */
  get framesFlushed(): number {
    return this.stream.framesFlushed;
  }

  // ---- state ----------------------------------------------------------------------------------------------

  private applyState(state: ChatStateSnapshot): void {
    const conversationChanged = state.activeId !== this.state.activeId;
    const previousEarlier = this.state.earlierCount;
    this.state = state;
    if (conversationChanged) {
      this.stream.reset();
      this.list.setMessages(state.messages, { kind: 'conversation' });
    } else if (state.earlierCount < previousEarlier) {
      // More history arrived at the front ("show earlier"): show the next batch of it.
      this.list.setMessages(state.messages, { kind: 'earlier', added: previousEarlier - state.earlierCount });
    } else {
      this.list.setMessages(state.messages, { kind: 'same' });
    }
    this.bar.render(state);
    this.composer.render(state);
    this.renderServer();
    this.list.render();
    this.list.markStreaming(state.streamingId);
    if (state.undoDeleteId !== undefined) {
      const undoId = state.undoDeleteId;
      this.showNotice('Conversation deleted.', 'info', { label: 'Undo', run: () => this.deps.post({ type: 'undoDelete', conversationId: undoId }) });
    }
    this.list.scrollToEnd(true);
  }

  private renderServer(): void {
    const server = this.state.server;
    this.serverBanner.hidden = server === undefined;
    if (server === undefined) {
      this.serverBanner.replaceChildren();
      return;
    }
    const bar = this.dom.el('div', { className: 'error-actions' });
    for (const action of server.actions) {
      bar.append(this.dom.button(action.label, action.label, () => this.deps.post({ type: 'errorAction', action: action.id })));
    }
    this.serverBanner.replaceChildren(this.dom.textEl('p', 'server-message', server.message), bar);
  }

  private showNotice(text: string, level: 'info' | 'warning', action?: { label: string; run: () => void }): void {
    this.notice.hidden = false;
    this.notice.className = `notice notice-${level}`;
    // The text in its own element that may shrink and wrap (a long path included), so the buttons stay in view.
    const children: HTMLElement[] = [this.dom.textEl('span', 'notice-text', text)];
    if (action) {
      children.push(
        this.dom.button(action.label, action.label, () => {
          this.notice.hidden = true;
          action.run();
        }),
      );
    }
    children.push(this.dom.button('×', 'Dismiss', () => (this.notice.hidden = true)));
    this.notice.replaceChildren(...children);
  }

  // ---- events -------------------------------------------------------------------------------------------

  private wireEvents(): void {
    this.doc.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.state.streamingId !== undefined) {
        e.preventDefault();
        this.deps.post({ type: 'stop' });
      }
    });
    // Links in answers are untrusted text: never followed here (nor by VS Code's own handler, which would open
    // them at once); the host asks the user first. Middle clicks too.
    const onLink = (e: MouseEvent): void => {
      const view = this.doc.defaultView;
      const link = view && e.target instanceof view.Element ? e.target.closest('a[href]') : null;
      if (link === null) {
        return;
      }
      e.preventDefault();
      e.stopPropagation();
      const href = link.getAttribute('href') ?? '';
      if (e.type === 'click' && href !== '' && !href.startsWith('#')) {
        this.deps.post({ type: 'openLink', url: href });
      }
    };
    const list = this.list.element;
    list.addEventListener('click', onLink);
    list.addEventListener('auxclick', onLink);
    // Code-block buttons: one delegated listener; the code comes from the render result, not the DOM.
    list.addEventListener('click', (e) => {
      const view = this.doc.defaultView;
      const target = e.target;
      if (!view || !(target instanceof view.Element)) {
        return;
      }
      const button = target.closest('button.code-action');
      const article = button?.closest('article.message');
      const id = article instanceof view.HTMLElement ? article.dataset.id : undefined;
      if (!button || id === undefined) {
        return;
      }
      const block = this.list.codeBlock(id, Number(button.getAttribute('data-code-index')));
      const action = button.getAttribute('data-action');
      if (block && (action === 'copy' || action === 'insert' || action === 'replace' || action === 'diff' || action === 'newFile')) {
        this.deps.post({ type: 'codeAction', action, code: block.code, ...(block.language !== undefined ? { language: block.language } : {}) });
        if (action === 'copy') {
          button.textContent = 'Copied';
          setTimeout(() => (button.textContent = 'Copy'), 1200);
        }
      }
    });
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled host message: ${JSON.stringify(value)}`);
}
