// The chat view's DOM: conversation list, messages, composer. Plain DOM, no framework. It takes its document,
// host connection, Markdown renderer and frame scheduler as parameters, so tests and benchmarks run it in jsdom.
import type {
  AnswerFigures,
  ChatStateSnapshot,
  ErrorActionView,
  HostToWebview,
  MessageView,
  SearchHitView,
  TierBadge,
  WebviewToHost,
} from '../protocol';
import type { MarkdownRenderer, RenderedMarkdown } from './markdown';
import type { PersistedViewState } from './vscodeApi';
import { ActionMenu } from './actionMenu';
import { SlashMenu } from './slashMenu';

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
  private editingId: string | undefined;
  /** Error boxes, by answer id ('' = not tied to an answer, shown last): kept across redraws until acted on. */
  private readonly errorBoxes = new Map<string, HTMLElement>();
  private searchSeq = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Frames flushed while streaming: observable by tests and benchmarks. */
  framesFlushed = 0;

  private readonly doc: Document;
  private readonly conversationSelect: HTMLSelectElement;
  private readonly titleInput: HTMLInputElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchResults: HTMLElement;
  private readonly notice: HTMLElement;
  /** What is wrong with the model server, and what to do, while none answers (before the user types). */
  private readonly serverBanner: HTMLElement;
  private readonly list: HTMLElement;
  private readonly chips: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly picker: HTMLSelectElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly editingBar: HTMLElement;
  private readonly announcer: HTMLElement;
  /** The `/` saved-prompt menu (hooks itself onto the message box; see slashMenu.ts). */
  readonly slashMenu: SlashMenu;

  constructor(private readonly deps: ChatViewDeps) {
    this.doc = deps.document;
    this.conversationSelect = this.el('select', { className: 'conversation-select', ariaLabel: 'Conversation' });
    this.titleInput = this.el('input', { className: 'title-input', ariaLabel: 'Conversation title' });
    this.titleInput.hidden = true;
    this.searchInput = this.el('input', { className: 'search', ariaLabel: 'Search all conversations' });
    this.searchInput.type = 'search';
    this.searchInput.placeholder = 'Search conversations';
    this.searchResults = this.el('ul', { className: 'search-results', ariaLabel: 'Search results' });
    this.searchResults.hidden = true;
    this.notice = this.el('div', { className: 'notice' });
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.serverBanner = this.el('div', { className: 'server-banner' });
    this.serverBanner.setAttribute('role', 'alert');
    this.serverBanner.hidden = true;
    this.list = this.el('div', { className: 'messages' });
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-label', 'Conversation');
    this.chips = this.el('div', { className: 'chips', ariaLabel: 'Context' });
    this.input = this.el('textarea', { className: 'input', ariaLabel: 'Message (Enter sends, Shift+Enter new line, Up edits the last message)' });
    this.input.rows = 3;
    this.input.placeholder = 'Ask about your code…  (/ runs a saved prompt, @ adds a file; Enter sends, Shift+Enter new line)';
    // Before wireEvents: the menu takes its keys (Enter on a prompt) ahead of the composer's handler.
    this.slashMenu = new SlashMenu({ document: this.doc, input: this.input, post: (m) => this.deps.post(m) });
    this.picker = this.el('select', { className: 'picker', ariaLabel: 'Model' });
    this.sendButton = this.button('Send', 'Send (Enter)', () => this.submit());
    this.sendButton.classList.add('primary');
    this.stopButton = this.button('Stop', 'Stop the answer (Esc)', () => this.deps.post({ type: 'stop' }));
    this.stopButton.hidden = true;
    this.editingBar = this.el('div', { className: 'editing-bar' });
    this.editingBar.hidden = true;
    this.announcer = this.el('div', { className: 'visually-hidden' });
    this.announcer.setAttribute('aria-live', 'polite');

    const toolbar = this.el('header', { className: 'toolbar' });
    toolbar.append(
      this.conversationSelect,
      this.titleInput,
      this.button('+', 'New conversation', () => this.deps.post({ type: 'newConversation' })),
      new ActionMenu(this.doc, 'More conversation actions', [
        { label: 'Rename…', title: 'Rename this conversation', run: () => this.startRename() },
        { label: 'Delete', title: 'Delete this conversation (can be undone)', run: () => this.withActive((id) => this.deps.post({ type: 'deleteConversation', conversationId: id })) },
        { label: 'Export as Markdown…', title: 'Export this conversation as Markdown', run: () => this.withActive((id) => this.deps.post({ type: 'exportConversation', conversationId: id, format: 'markdown' })) },
        { label: 'Export as JSON…', title: 'Export this conversation as JSON (it can be imported again)', run: () => this.withActive((id) => this.deps.post({ type: 'exportConversation', conversationId: id, format: 'json' })) },
        { label: 'Import from JSON…', title: 'Import a conversation from a JSON export', run: () => this.deps.post({ type: 'importConversation' }) },
      ]).element,
    );
    const composer = this.el('footer', { className: 'composer' });
    const row = this.el('div', { className: 'composer-row' });
    row.append(this.picker, this.button('@ File', 'Add a file as context', () => this.deps.post({ type: 'pickFile' })), this.stopButton, this.sendButton);
    composer.append(this.editingBar, this.chips, this.input, row);
    deps.root.replaceChildren(toolbar, this.searchInput, this.searchResults, this.notice, this.serverBanner, this.list, composer, this.announcer);

    this.wireEvents();
    this.input.value = deps.initialState.draft;
    this.setEditing(deps.initialState.editingId);
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
        this.showSearchResults(message.requestId, message.hits);
        break;
      case 'prompts':
        this.slashMenu.setPrompts(message.prompts);
        break;
      case 'setDraft':
        this.input.value = message.text;
        this.persist();
        this.input.focus();
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
    this.renderConversationList();
    this.renderPicker();
    this.renderChips();
    this.renderServer();
    this.renderMessages();
    this.renderStreaming();
    if (state.undoDeleteId !== undefined) {
      const undoId = state.undoDeleteId;
      this.showNotice('Conversation deleted.', 'info', { label: 'Undo', run: () => this.deps.post({ type: 'undoDelete', conversationId: undoId }) });
    }
    if (this.editingId !== undefined && !this.messages.some((m) => m.id === this.editingId)) {
      this.setEditing(undefined);
    }
    this.scrollToEnd(true);
  }

  private renderConversationList(): void {
    const options = this.state.conversations.map((c) => {
      const option = this.doc.createElement('option');
      option.value = c.id;
      option.textContent = c.title || 'Untitled';
      option.selected = c.id === this.state.activeId;
      return option;
    });
    if (options.length === 0) {
      const option = this.doc.createElement('option');
      option.textContent = 'New conversation';
      options.push(option);
    }
    this.conversationSelect.replaceChildren(...options);
  }

  private renderPicker(): void {
    const current = JSON.stringify(this.state.choice);
    this.picker.replaceChildren(
      ...this.state.picker.map((p, index) => {
        const option = this.doc.createElement('option');
        option.value = String(index);
        option.textContent = p.label;
        option.selected = JSON.stringify(p.choice) === current;
        return option;
      }),
    );
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

  private renderChips(): void {
    this.chips.replaceChildren(
      ...this.state.chips.map((chip) => {
        const el = this.el('span', { className: `chip chip-${chip.kind}` });
        el.title = chip.detail;
        const label = this.el('span', { className: 'chip-label' });
        label.textContent = chip.label;
        el.append(label, this.button('×', `Remove ${chip.label} from the context`, () => this.deps.post({ type: 'removeChip', chipId: chip.id })));
        return el;
      }),
    );
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
      bar.append(this.button('Edit', 'Edit and resend (Up)', () => this.startEdit(m.id), busy));
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
    const streaming = this.state.streamingId !== undefined;
    this.stopButton.hidden = !streaming;
    this.sendButton.disabled = streaming;
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

  // ---- errors, notices, search ---------------------------------------------------------------------------

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

  private showSearchResults(requestId: string, hits: readonly SearchHitView[]): void {
    if (requestId !== String(this.searchSeq)) {
      return; // an older search
    }
    this.searchResults.hidden = this.searchInput.value.trim().length === 0;
    if (hits.length === 0) {
      this.searchResults.replaceChildren(this.textEl('li', 'no-hits', 'No matches.'));
      return;
    }
    this.searchResults.replaceChildren(
      ...hits.map((hit) => {
        const li = this.doc.createElement('li');
        const button = this.button('', `Open ${hit.title}`, () => {
          this.searchInput.value = '';
          this.searchResults.hidden = true;
          this.deps.post({ type: 'switchConversation', conversationId: hit.conversationId });
        });
        button.append(this.textEl('strong', 'hit-title', hit.title), this.textEl('span', 'hit-snippet', hit.snippet));
        li.append(button);
        return li;
      }),
    );
  }

  // ---- input --------------------------------------------------------------------------------------------

  private wireEvents(): void {
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      } else if (e.key === '@' && /(^|\s)$/.test(this.input.value.slice(0, this.input.selectionStart))) {
        // `@` at the start of a word: pick a file to add as context (shown as a chip).
        e.preventDefault();
        this.deps.post({ type: 'pickFile' });
      } else if (e.key === 'ArrowUp' && this.input.value.length === 0) {
        const lastUser = [...this.messages].reverse().find((m) => m.role === 'user');
        if (lastUser) {
          e.preventDefault();
          this.startEdit(lastUser.id);
        }
      } else if (e.key === 'Escape' && this.editingId !== undefined && this.state.streamingId === undefined) {
        e.preventDefault();
        this.setEditing(undefined);
        this.input.value = '';
        this.persist();
      }
    });
    this.input.addEventListener('input', () => this.persist());
    this.doc.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.state.streamingId !== undefined) {
        e.preventDefault();
        this.deps.post({ type: 'stop' });
      }
    });
    this.conversationSelect.addEventListener('change', () => {
      const id = this.conversationSelect.value;
      if (id && id !== this.state.activeId) {
        this.deps.post({ type: 'switchConversation', conversationId: id });
      }
    });
    this.picker.addEventListener('change', () => {
      const option = this.state.picker[Number(this.picker.value)];
      if (option) {
        this.deps.post({ type: 'setModelChoice', choice: option.choice });
      }
    });
    this.titleInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        const title = this.titleInput.value.trim();
        if (title && this.state.activeId) {
          this.deps.post({ type: 'renameConversation', conversationId: this.state.activeId, title });
        }
        this.endRename();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.endRename();
      }
    });
    this.titleInput.addEventListener('blur', () => this.endRename());
    this.searchInput.addEventListener('input', () => {
      if (this.searchTimer !== undefined) {
        clearTimeout(this.searchTimer);
      }
      const query = this.searchInput.value;
      if (query.trim().length === 0) {
        this.searchResults.hidden = true;
        return;
      }
      this.searchTimer = setTimeout(() => {
        this.searchSeq++;
        this.deps.post({ type: 'search', requestId: String(this.searchSeq), query });
      }, 150);
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

  private submit(): void {
    const text = this.input.value;
    if (text.trim().length === 0 || this.state.streamingId !== undefined) {
      return;
    }
    if (this.editingId !== undefined) {
      this.deps.post({ type: 'editAndResend', messageId: this.editingId, text });
      this.setEditing(undefined);
    } else {
      this.deps.post({ type: 'send', text });
    }
    this.input.value = '';
    this.persist();
  }

  private startEdit(messageId: string): void {
    const message = this.messages.find((m) => m.id === messageId);
    if (!message || this.state.streamingId !== undefined) {
      return;
    }
    this.setEditing(messageId);
    this.input.value = message.content;
    this.input.focus();
    this.persist();
  }

  private setEditing(messageId: string | undefined): void {
    this.editingId = messageId;
    this.editingBar.hidden = messageId === undefined;
    this.editingBar.textContent = messageId === undefined ? '' : 'Editing your message: Enter resends it as a new branch (the earlier one is kept), Esc cancels.';
    this.sendButton.textContent = messageId === undefined ? 'Send' : 'Resend';
  }

  private startRename(): void {
    if (!this.state.activeId) {
      return;
    }
    this.titleInput.value = this.state.title;
    this.titleInput.hidden = false;
    this.conversationSelect.hidden = true;
    this.titleInput.focus();
    this.titleInput.select();
  }

  private endRename(): void {
    this.titleInput.hidden = true;
    this.conversationSelect.hidden = false;
  }

  private withActive(run: (id: string) => void): void {
    if (this.state.activeId) {
      run(this.state.activeId);
    }
  }

  private persist(): void {
    this.deps.saveState({ draft: this.input.value, editingId: this.editingId });
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
    const el = this.doc.createElement(tag);
    if (options.className) {
      el.className = options.className;
    }
    if (options.ariaLabel) {
      el.setAttribute('aria-label', options.ariaLabel);
    }
    return el;
  }

  private textEl<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
    const el = this.el(tag, { className });
    el.textContent = text;
    return el;
  }

  private button(label: string, title: string, onClick: () => void, disabled = false): HTMLButtonElement {
    const button = this.el('button', { className: 'button' });
    button.type = 'button';
    button.textContent = label;
    button.title = title;
    button.setAttribute('aria-label', title);
    button.disabled = disabled;
    button.addEventListener('click', onClick);
    return button;
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
