// The chat view's DOM: the conversation bar (conversationBar.ts), the messages and their streaming (here), and the
// composer (composer.ts). Plain DOM, no framework. It takes its document, host connection, Markdown renderer and
// frame scheduler as parameters, so tests and benchmarks run it in jsdom.
import type {
  AnswerFigures,
  ChatStateSnapshot,
  ErrorActionView,
  HostToWebview,
  MessageView,
  TierBadge,
  WebviewToHost,
} from '../protocol';
import type { MarkdownRenderer, RenderedMarkdown } from './markdown';
import type { PersistedViewState } from './vscodeApi';
import { Composer } from './composer';
import { ConversationBar } from './conversationBar';
import { Dom } from './dom';
import type { SlashMenu } from './slashMenu';

/** How many of the latest messages are drawn at first; older ones come with "Show earlier". */
export const INITIAL_WINDOW = 30;
/** Of those, how many are drawn before the first paint (the rest follow on the next frame). */
export const FIRST_PAINT = 8;

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

interface RenderedMessage {
  readonly article: HTMLElement;
  readonly content: HTMLElement;
  rendered: RenderedMarkdown | undefined;
  renderedText: string | undefined;
  /** While streaming: the settled part (whole blocks), rendered once, and its element. */
  stable: { text: string; rendered: RenderedMarkdown; element: HTMLElement; tail: HTMLElement } | undefined;
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
  private messages: MessageView[] = [];
  private readonly rendered = new Map<string, RenderedMessage>();
  private readonly pending = new Map<string, string>();
  private frameScheduled = false;
  private renderGeneration = 0;
  private windowStart = 0;
  /** Error boxes, by answer id ('' = not tied to an answer, shown last): kept across redraws until acted on. */
  private readonly errorBoxes = new Map<string, HTMLElement>();
  /** Frames flushed while streaming: observable by tests and benchmarks. */
  framesFlushed = 0;

  private readonly doc: Document;
  private readonly dom: Dom;
  private readonly bar: ConversationBar;
  private readonly composer: Composer;
  private readonly notice: HTMLElement;
  /** What is wrong with the model server, and what to do, while none answers (before the user types). */
  private readonly serverBanner: HTMLElement;
  private readonly list: HTMLElement;
  private readonly announcer: HTMLElement;
  /** The `/` saved-prompt menu (hooks itself onto the message box; see slashMenu.ts). */
  readonly slashMenu: SlashMenu;

  constructor(private readonly deps: ChatViewDeps) {
    this.doc = deps.document;
    this.dom = new Dom(this.doc);
    this.bar = new ConversationBar(this.dom, (m) => deps.post(m));
    this.notice = this.el('div', { className: 'notice' });
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.serverBanner = this.el('div', { className: 'server-banner' });
    this.serverBanner.setAttribute('role', 'alert');
    this.serverBanner.hidden = true;
    this.list = this.el('div', { className: 'messages' });
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-label', 'Conversation');
    this.composer = new Composer({ dom: this.dom, post: (m) => deps.post(m), saveState: (st) => deps.saveState(st), initialState: deps.initialState, messages: () => this.messages });
    this.slashMenu = this.composer.slashMenu;
    this.announcer = this.el('div', { className: 'visually-hidden' });
    this.announcer.setAttribute('aria-live', 'polite');
    deps.root.replaceChildren(this.bar.toolbar, this.bar.searchInput, this.bar.searchResults, this.notice, this.serverBanner, this.list, this.composer.element, this.announcer);
    this.wireEvents();
  }

  /** Handles one message from the host. */
  handle(message: HostToWebview): void {
    switch (message.type) {
      case 'state':
        this.applyState(message.state);
        break;
      case 'streamStart':
        this.streamStart(message.messageId, message.parentId, message.badge);
        break;
      case 'streamChunk':
        this.pending.set(message.messageId, (this.pending.get(message.messageId) ?? '') + message.text);
        this.scheduleFlush();
        break;
      case 'streamEnd':
        this.streamEnd(message.messageId, message.status, message.figures, message.contextReport);
        break;
      case 'error':
        this.showError(message.messageId, message.message, message.actions);
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
    return this.list;
  }

  // ---- state ----------------------------------------------------------------------------------------------

  private applyState(state: ChatStateSnapshot): void {
    const conversationChanged = state.activeId !== this.state.activeId;
    const previousEarlier = this.state.earlierCount;
    this.state = state;
    this.messages = [...state.messages];
    if (conversationChanged) {
      this.errorBoxes.clear();
      this.rendered.clear();
      this.pending.clear();
      this.windowStart = Math.max(0, this.messages.length - INITIAL_WINDOW);
    } else if (state.earlierCount < previousEarlier) {
      // More history arrived at the front ("show earlier"): show the next batch of it.
      const added = previousEarlier - state.earlierCount;
      this.windowStart = Math.max(0, this.windowStart + added - INITIAL_WINDOW);
    } else {
      this.windowStart = Math.min(this.windowStart, Math.max(0, this.messages.length - INITIAL_WINDOW));
    }
    this.bar.render(state);
    this.composer.render(state);
    this.renderServer();
    this.renderMessages();
    this.renderStreaming();
    if (state.undoDeleteId !== undefined) {
      const undoId = state.undoDeleteId;
      this.showNotice('Conversation deleted.', 'info', { label: 'Undo', run: () => this.deps.post({ type: 'undoDelete', conversationId: undoId }) });
    }
    this.scrollToEnd(true);
  }

  private renderServer(): void {
    const server = this.state.server;
    this.serverBanner.hidden = server === undefined;
    if (server === undefined) {
      this.serverBanner.replaceChildren();
      return;
    }
    const bar = this.el('div', { className: 'error-actions' });
    for (const action of server.actions) {
      bar.append(this.button(action.label, action.label, () => this.deps.post({ type: 'errorAction', action: action.id })));
    }
    this.serverBanner.replaceChildren(this.textEl('p', 'server-message', server.message), bar);
  }

  private renderMessages(): void {
    const nodes: HTMLElement[] = [];
    const hidden = this.windowStart + this.state.earlierCount;
    if (hidden > 0) {
      nodes.push(
        this.button(`Show earlier messages (${hidden} hidden)`, 'Show earlier messages', () => {
          if (this.windowStart > 0) {
            this.windowStart = Math.max(0, this.windowStart - INITIAL_WINDOW);
            this.renderMessages();
          } else {
            // The host holds the older ones.
            this.deps.post({ type: 'showEarlier' });
          }
        }),
      );
    }
    const visible = this.messages.slice(this.windowStart);
    const keep = new Set(visible.map((m) => m.id));
    for (const id of [...this.rendered.keys()]) {
      if (!keep.has(id)) {
        this.rendered.delete(id);
      }
    }
    // First paint: the latest messages now; older ones of the window that still need Markdown, on the next frame.
    const generation = ++this.renderGeneration;
    const splitAt = Math.max(0, visible.length - FIRST_PAINT);
    const deferred = visible.slice(0, splitAt).some((m) => !this.rendered.has(m.id)) ? visible.slice(0, splitAt) : [];
    for (const m of deferred.length > 0 ? visible.slice(splitAt) : visible) {
      nodes.push(this.renderMessage(m).article);
    }
    if (this.messages.length === 0) {
      const empty = this.el('p', { className: 'empty' });
      empty.textContent = 'Ask a question about your code. The selection and current file are offered as context.';
      nodes.push(empty);
    }
    const generalError = this.errorBoxes.get('');
    if (generalError) {
      nodes.push(generalError);
    }
    this.list.replaceChildren(...nodes);
    if (deferred.length > 0) {
      // Two frames on: the first frame paints the latest messages, the one after adds the older ones.
      this.deps.scheduleFrame(() => this.deps.scheduleFrame(() => {
        if (generation !== this.renderGeneration) {
          return; // drawn again since
        }
        const atEnd = this.isNearEnd();
        const first = this.rendered.get(visible[splitAt]?.id ?? '')?.article;
        const articles = deferred.map((m) => this.renderMessage(m).article);
        if (first) {
          first.before(...articles);
        } else {
          this.list.append(...articles);
        }
        this.scrollToEnd(atEnd);
      }));
    }
  }

  /** Builds (or reuses) a message's article; Markdown is rendered again only when the text changed. */
  private renderMessage(m: MessageView): RenderedMessage {
    const existing = this.rendered.get(m.id);
    const article = existing?.article ?? this.el('article', { className: '' });
    article.className = `message ${m.role} status-${m.status}`;
    article.dataset.id = m.id;
    const content = existing?.content ?? this.el('div', { className: 'content' });
    const entry: RenderedMessage = existing ?? { article, content, rendered: undefined, renderedText: undefined, stable: undefined };
    this.rendered.set(m.id, entry);
    this.renderContent(entry, m);

    const head = this.el('div', { className: 'message-head' });
    const role = this.el('span', { className: 'role' });
    role.textContent = m.role === 'user' ? 'You' : m.role === 'assistant' ? 'Assistant' : 'System';
    head.append(role);
    if (m.badge) {
      head.append(this.badge(m.badge));
    }
    if (m.branch && m.branch.count > 1) {
      head.append(this.branchNav(m.branch));
    }
    const parts: HTMLElement[] = [head, content];
    if (m.status === 'cutOff') {
      parts.push(this.textEl('div', 'cut-off', 'Answer cut off (stopped or failed mid-stream); the text above is partial.'));
    }
    if (m.status === 'error' && m.error) {
      parts.push(this.textEl('div', 'error-text', m.error));
    }
    if (m.figures) {
      parts.push(this.textEl('div', 'figures', formatFigures(m.figures)));
    }
    if (m.contextReport) {
      const details = this.el('details', { className: 'context-report' });
      const summary = this.doc.createElement('summary');
      summary.textContent = 'Context';
      const pre = this.doc.createElement('pre');
      pre.textContent = m.contextReport;
      details.append(summary, pre);
      parts.push(details);
    }
    parts.push(this.messageActions(m));
    const errorBox = this.errorBoxes.get(m.id);
    if (errorBox) {
      parts.push(errorBox);
    }
    article.replaceChildren(...parts);
    return entry;
  }

  private renderContent(entry: RenderedMessage, m: MessageView): void {
    if (entry.renderedText === m.content) {
      return;
    }
    entry.renderedText = m.content;
    if (m.role === 'user') {
      // The user's own text: shown as typed.
      entry.content.className = 'content plain';
      entry.content.textContent = m.content;
      entry.rendered = undefined;
      return;
    }
    entry.content.className = 'content markdown';
    if (m.status === 'streaming') {
      this.renderStreamingContent(entry, m.content);
      return;
    }
    entry.stable = undefined;
    entry.rendered = this.deps.render(m.content);
    entry.content.innerHTML = entry.rendered.html;
  }

  /**
   * While an answer streams, only its unfinished last block is rendered again on each frame: the blocks before
   * the last blank line outside a code fence are settled and rendered once. (The whole answer is rendered once
   * more when it ends.)
   */
  private renderStreamingContent(entry: RenderedMessage, text: string): void {
    const split = settledLength(text);
    let stable = entry.stable;
    if (!stable || !text.startsWith(stable.text) || split !== stable.text.length) {
      if (!stable || !text.startsWith(stable.text)) {
        const element = this.el('div', { className: 'settled' });
        const tail = this.el('div', { className: 'tail' });
        entry.content.replaceChildren(element, tail);
        stable = { text: '', rendered: { html: '', codeBlocks: [], omittedChars: 0 }, element, tail };
        entry.stable = stable;
      }
      if (split > stable.text.length) {
        // Only the newly settled blocks are rendered, and appended: earlier ones are never rendered again.
        const added = this.deps.render(text.slice(stable.text.length, split), stable.rendered.codeBlocks.length);
        stable.text = text.slice(0, split);
        stable.rendered = { html: '', codeBlocks: [...stable.rendered.codeBlocks, ...added.codeBlocks], omittedChars: 0 };
        stable.element.insertAdjacentHTML('beforeend', added.html);
      }
    }
    const tailRendered = this.deps.render(text.slice(stable.text.length), stable.rendered.codeBlocks.length);
    stable.tail.innerHTML = tailRendered.html;
    entry.rendered = { html: '', codeBlocks: [...stable.rendered.codeBlocks, ...tailRendered.codeBlocks], omittedChars: 0 };
  }

  private messageActions(m: MessageView): HTMLElement {
    const bar = this.el('div', { className: 'message-actions' });
    const busy = this.state.streamingId !== undefined;
    if (m.role === 'assistant' && m.status !== 'streaming') {
      bar.append(
        this.button('Regenerate', 'Answer again', () => this.deps.post({ type: 'regenerate', messageId: m.id }), busy),
        this.button('Bigger tier', 'Retry with a bigger tier', () => this.deps.post({ type: 'retryBiggerTier', messageId: m.id }), busy),
        this.button('Shorter', 'Ask for a shorter answer', () => this.deps.post({ type: 'adjust', messageId: m.id, style: 'shorter' }), busy),
        this.button('More detail', 'Ask for more detail', () => this.deps.post({ type: 'adjust', messageId: m.id, style: 'moreDetail' }), busy),
        this.button('Save prompt', 'Save as a prompt', () => this.deps.post({ type: 'savePrompt', messageId: m.id })),
      );
    }
    if (m.role === 'user') {
      bar.append(this.button('Edit', 'Edit and resend (Up)', () => this.composer.startEdit(m.id), busy));
    }
    return bar;
  }

  private badge(badge: TierBadge): HTMLElement {
    const el = this.el('span', { className: `badge tier-${badge.tier ?? 'custom'}` });
    el.textContent = badge.tier ? `${badge.tier} · ${badge.model}` : badge.model;
    el.title = badge.reasons.length > 0 ? `Why this model:\n${badge.reasons.map((r) => `• ${r}`).join('\n')}` : 'Chosen by you';
    return el;
  }

  private branchNav(branch: NonNullable<MessageView['branch']>): HTMLElement {
    const nav = this.el('span', { className: 'branch-nav' });
    const label = this.textEl('span', 'branch-label', `${branch.index}/${branch.count}`);
    const prev = this.button('‹', 'Previous version', () => branch.prevId && this.deps.post({ type: 'switchBranch', messageId: branch.prevId }), branch.prevId === undefined);
    const next = this.button('›', 'Next version', () => branch.nextId && this.deps.post({ type: 'switchBranch', messageId: branch.nextId }), branch.nextId === undefined);
    nav.append(prev, label, next);
    return nav;
  }

  // ---- streaming ------------------------------------------------------------------------------------------

  private streamStart(messageId: string, parentId: string | null, badge: TierBadge): void {
    this.errorBoxes.delete(''); // a new answer replaces an error that had none
    const existing = this.messages.findIndex((m) => m.id === messageId);
    const message: MessageView = {
      id: messageId,
      parentId,
      role: 'assistant',
      content: existing >= 0 ? (this.messages[existing]?.content ?? '') : '',
      status: 'streaming',
      badge,
      figures: undefined,
      contextReport: undefined,
      error: undefined,
      branch: undefined,
    };
    if (existing >= 0) {
      this.messages[existing] = message;
    } else {
      this.messages.push(message);
    }
    this.state = { ...this.state, streamingId: messageId };
    this.renderMessages();
    this.renderStreaming();
    this.scrollToEnd(true);
  }

  private scheduleFlush(): void {
    if (this.frameScheduled) {
      return;
    }
    this.frameScheduled = true;
    this.deps.scheduleFrame(() => {
      this.frameScheduled = false;
      this.flush();
    });
  }

  /** Applies every chunk that arrived since the last frame: one Markdown render per message per frame. */
  private flush(): void {
    if (this.pending.size === 0) {
      return;
    }
    this.framesFlushed++;
    const nearEnd = this.isNearEnd();
    for (const [id, text] of this.pending) {
      const index = this.messages.findIndex((m) => m.id === id);
      const current = this.messages[index];
      if (!current) {
        continue;
      }
      const updated = { ...current, content: current.content + text };
      this.messages[index] = updated;
      const entry = this.rendered.get(id);
      if (entry) {
        this.renderContent(entry, updated);
      }
    }
    this.pending.clear();
    this.scrollToEnd(nearEnd);
  }

  private streamEnd(messageId: string, status: MessageView['status'], figures: AnswerFigures | undefined, contextReport: string | undefined): void {
    this.flush();
    const index = this.messages.findIndex((m) => m.id === messageId);
    const current = this.messages[index];
    if (current) {
      this.messages[index] = { ...current, status, figures, contextReport };
      this.renderMessage(this.messages[index] ?? current);
    }
    this.state = { ...this.state, streamingId: undefined };
    this.renderStreaming();
    this.renderMessages();
    this.announcer.textContent = status === 'complete' ? 'Answer complete.' : status === 'cutOff' ? 'Answer stopped; partial answer kept.' : 'Answer failed.';
  }

  private renderStreaming(): void {
    this.composer.setStreaming(this.state.streamingId);
    for (const [id, entry] of this.rendered) {
      const isStreaming = id === this.state.streamingId;
      // The answer being streamed is a polite live region, busy until it ends (screen readers then read it once).
      if (isStreaming) {
        entry.content.setAttribute('aria-live', 'polite');
        entry.content.setAttribute('aria-busy', 'true');
      } else {
        entry.content.removeAttribute('aria-live');
        entry.content.removeAttribute('aria-busy');
      }
    }
  }

  // ---- errors and notices -------------------------------------------------------------------------------

  private showError(messageId: string | undefined, text: string, actions: readonly ErrorActionView[]): void {
    const key = messageId ?? '';
    this.errorBoxes.get(key)?.remove();
    const box = this.el('div', { className: 'error-box' });
    this.errorBoxes.set(key, box);
    box.setAttribute('role', 'alert');
    box.append(this.textEl('p', 'error-message', text));
    const bar = this.el('div', { className: 'error-actions' });
    for (const action of actions) {
      bar.append(
        this.button(action.label, action.label, () => {
          box.remove();
          if (this.errorBoxes.get(key) === box) {
            this.errorBoxes.delete(key);
          }
          this.deps.post({ type: 'errorAction', action: action.id, ...(messageId !== undefined ? { messageId } : {}) });
        }),
      );
    }
    box.append(bar);
    const article = messageId !== undefined ? this.rendered.get(messageId)?.article : undefined;
    if (article) {
      article.append(box);
    } else {
      this.list.append(box);
    }
    this.scrollToEnd(true);
  }

  private showNotice(text: string, level: 'info' | 'warning', action?: { label: string; run: () => void }): void {
    this.notice.hidden = false;
    this.notice.className = `notice notice-${level}`;
    // The text in its own element that may shrink and wrap (a long path included), so the buttons stay in view.
    const children: HTMLElement[] = [this.textEl('span', 'notice-text', text)];
    if (action) {
      children.push(
        this.button(action.label, action.label, () => {
          this.notice.hidden = true;
          action.run();
        }),
      );
    }
    children.push(this.button('×', 'Dismiss', () => (this.notice.hidden = true)));
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
    this.list.addEventListener('click', onLink);
    this.list.addEventListener('auxclick', onLink);
    // Code-block buttons: one delegated listener; the code comes from the render result, not the DOM.
    this.list.addEventListener('click', (e) => {
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
      const block = this.rendered.get(id)?.rendered?.codeBlocks[Number(button.getAttribute('data-code-index'))];
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

  // ---- helpers --------------------------------------------------------------------------------------------

  private isNearEnd(): boolean {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 80;
  }

  private scrollToEnd(when: boolean): void {
    if (when) {
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  private el<K extends keyof HTMLElementTagNameMap>(tag: K, options: { className: string; ariaLabel?: string }): HTMLElementTagNameMap[K] {
    return this.dom.el(tag, options);
  }

  private textEl<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
    return this.dom.textEl(tag, className, text);
  }

  private button(label: string, title: string, onClick: () => void, disabled = false): HTMLButtonElement {
    return this.dom.button(label, title, onClick, disabled);
  }
}

/** Length of the settled part of a streaming Markdown text: up to its last blank line outside a code fence. */
export function settledLength(text: string): number {
  let settled = 0;
  let inFence = false;
  let lineStart = 0;
  let previousBlank = false;
  while (lineStart < text.length) {
    const end = text.indexOf('\n', lineStart);
    if (end < 0) {
      break; // the last line is still being written
    }
    const line = text.slice(lineStart, end);
    if (/^\s{0,3}(```|~~~)/.test(line)) {
      inFence = !inFence;
      if (!inFence) {
        settled = end + 1; // a closed code block is settled
      }
    } else if (!inFence && line.trim() === '' && !previousBlank) {
      settled = end + 1;
    }
    previousBlank = !inFence && line.trim() === '';
    lineStart = end + 1;
  }
  return settled;
}

/** "TTFT 120 ms · 31.5 tok/s · 812 prompt + 240 answer tokens". */
export function formatFigures(f: AnswerFigures): string {
  // The whole prompt, with the part the server had cached: "1 prompt token" for a cached prompt would mislead.
  const cached = f.cachedPromptTokens !== undefined && f.cachedPromptTokens > 0 ? ` (${f.cachedPromptTokens} cached)` : '';
  return `TTFT ${Math.round(f.ttftMs)} ms · ${f.tokensPerSecond.toFixed(1)} tok/s · ${f.promptEstimated === true ? '~' : ''}${f.promptTokens} prompt${cached} + ${f.answerTokens} answer tokens`;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled host message: ${JSON.stringify(value)}`);
}
