// The conversation's messages as the chat view draws them: the window of the latest ones (older ones on "Show
// earlier"), each message's article (Markdown rendered again only when its text changed; while streaming only its
// unfinished last block), and the error boxes that stay on an answer until acted on.
import type { ErrorActionView, MessageView, WebviewToHost } from '../protocol';
import { badge, branchNav, contextReport, formatFigures, messageActions, sourceChips } from './answerParts';
import type { Dom } from './dom';
import type { MarkdownRenderer, RenderedMarkdown } from './markdown';

/** How many of the latest messages are drawn at first; older ones come with "Show earlier". */
export const INITIAL_WINDOW = 30;
/** Of those, how many are drawn before the first paint (the rest follow on the next frame). */
export const FIRST_PAINT = 8;

export interface MessageListDeps {
  readonly dom: Dom;
  readonly post: (message: WebviewToHost) => void;
  readonly render: MarkdownRenderer;
  readonly scheduleFrame: (callback: () => void) => void;
  /** The answer being written, if any. */
  readonly streamingId: () => string | undefined;
  /** Messages of the branch the host did not send yet. */
  readonly earlierCount: () => number;
  readonly startEdit: (messageId: string) => void;
}

interface RenderedMessage {
  readonly article: HTMLElement;
  readonly content: HTMLElement;
  rendered: RenderedMarkdown | undefined;
  renderedText: string | undefined;
  /** While streaming: the settled part (whole blocks), rendered once, and its element. */
  stable: { text: string; rendered: RenderedMarkdown; element: HTMLElement; tail: HTMLElement } | undefined;
}

export class MessageList {
  readonly element: HTMLElement;
  /** The branch shown, oldest first (the host's window of it). */
  messages: MessageView[] = [];
  private readonly rendered = new Map<string, RenderedMessage>();
  private renderGeneration = 0;
  private windowStart = 0;
  /** Error boxes, by answer id ('' = not tied to an answer, shown last): kept across redraws until acted on. */
  private readonly errorBoxes = new Map<string, HTMLElement>();

  constructor(private readonly deps: MessageListDeps) {
    this.element = deps.dom.el('div', { className: 'messages' });
    this.element.setAttribute('role', 'log');
    this.element.setAttribute('aria-label', 'Conversation');
  }

  /**
   * New messages from the host. `change`: another conversation (everything drawn is dropped), `earlier` older
   * messages arrived at the front (the next batch of them is shown), or `same`.
   */
  setMessages(messages: readonly MessageView[], change: { readonly kind: 'conversation' } | { readonly kind: 'earlier'; readonly added: number } | { readonly kind: 'same' }): void {
    this.messages = [...messages];
    if (change.kind === 'conversation') {
      this.errorBoxes.clear();
      this.rendered.clear();
      this.windowStart = Math.max(0, this.messages.length - INITIAL_WINDOW);
    } else if (change.kind === 'earlier') {
      this.windowStart = Math.max(0, this.windowStart + change.added - INITIAL_WINDOW);
    } else {
      this.windowStart = Math.min(this.windowStart, Math.max(0, this.messages.length - INITIAL_WINDOW));
    }
  }

  /** Draws the window: the latest messages before the first paint, older ones of the window a frame later. */
  render(): void {
    const nodes: HTMLElement[] = [];
    const hidden = this.windowStart + this.deps.earlierCount();
    if (hidden > 0) {
      nodes.push(
        this.deps.dom.button(`Show earlier messages (${hidden} hidden)`, 'Show earlier messages', () => {
          if (this.windowStart > 0) {
            this.windowStart = Math.max(0, this.windowStart - INITIAL_WINDOW);
            this.render();
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
    const generation = ++this.renderGeneration;
    const splitAt = Math.max(0, visible.length - FIRST_PAINT);
    const deferred = visible.slice(0, splitAt).some((m) => !this.rendered.has(m.id)) ? visible.slice(0, splitAt) : [];
    for (const m of deferred.length > 0 ? visible.slice(splitAt) : visible) {
      nodes.push(this.renderMessage(m));
    }
    if (this.messages.length === 0) {
      nodes.push(this.deps.dom.textEl('p', 'empty', 'Ask a question about your code. The selection and current file are offered as context.'));
    }
    const generalError = this.errorBoxes.get('');
    if (generalError) {
      nodes.push(generalError);
    }
    this.element.replaceChildren(...nodes);
    if (deferred.length > 0) {
      // Two frames on: the first frame paints the latest messages, the one after adds the older ones.
      this.deps.scheduleFrame(() => this.deps.scheduleFrame(() => {
        if (generation !== this.renderGeneration) {
          return; // drawn again since
        }
        const atEnd = this.isNearEnd();
        const first = this.rendered.get(visible[splitAt]?.id ?? '')?.article;
        const articles = deferred.map((m) => this.renderMessage(m));
        if (first) {
          first.before(...articles);
        } else {
          this.element.append(...articles);
        }
        this.scrollToEnd(atEnd);
      }));
    }
  }

  /** Builds (or reuses) a message's article; Markdown is rendered again only when the text changed. */
  renderMessage(m: MessageView): HTMLElement {
    const dom = this.deps.dom;
    const existing = this.rendered.get(m.id);
    const article = existing?.article ?? dom.el('article', { className: '' });
    article.className = `message ${m.role} status-${m.status}`;
    article.dataset.id = m.id;
    const content = existing?.content ?? dom.el('div', { className: 'content' });
    const entry: RenderedMessage = existing ?? { article, content, rendered: undefined, renderedText: undefined, stable: undefined };
    this.rendered.set(m.id, entry);
    this.renderContent(entry, m);

    const ctx = { dom, post: this.deps.post, busy: this.deps.streamingId() !== undefined, startEdit: this.deps.startEdit };
    const head = dom.el('div', { className: 'message-head' });
    head.append(dom.textEl('span', 'role', m.role === 'user' ? 'You' : m.role === 'assistant' ? 'Assistant' : 'System'));
    if (m.badge) {
      head.append(badge(dom, m.badge));
    }
    if (m.branch && m.branch.count > 1) {
      head.append(branchNav(ctx, m.branch));
    }
    const parts: HTMLElement[] = [head, content];
    if (m.status === 'cutOff') {
      parts.push(dom.textEl('div', 'cut-off', 'Answer cut off (stopped or failed mid-stream); the text above is partial.'));
    }
    if (m.status === 'error' && m.error) {
      parts.push(dom.textEl('div', 'error-text', m.error));
    }
    const sources = sourceChips(m, ctx);
    if (sources) {
      parts.push(sources);
    }
    if (m.figures) {
      parts.push(dom.textEl('div', 'figures', formatFigures(m.figures)));
    }
    if (m.contextReport) {
      parts.push(contextReport(dom, m.contextReport));
    }
    parts.push(messageActions(m, ctx));
    const errorBox = this.errorBoxes.get(m.id);
    if (errorBox) {
      parts.push(errorBox);
    }
    article.replaceChildren(...parts);
    return article;
  }

  /** Shows a message's new text (streaming: only what changed is rendered again). */
  updateContent(m: MessageView): void {
    const entry = this.rendered.get(m.id);
    if (entry) {
      this.renderContent(entry, m);
    }
  }

  /** The answer being streamed is a polite live region, busy until it ends (screen readers then read it once). */
  markStreaming(streamingId: string | undefined): void {
    for (const [id, entry] of this.rendered) {
      if (id === streamingId) {
        entry.content.setAttribute('aria-live', 'polite');
        entry.content.setAttribute('aria-busy', 'true');
      } else {
        entry.content.removeAttribute('aria-live');
        entry.content.removeAttribute('aria-busy');
      }
    }
  }

  /** A code block of a drawn answer, from its render result (not the DOM). */
  codeBlock(messageId: string, index: number): { readonly code: string; readonly language?: string | undefined } | undefined {
    return this.rendered.get(messageId)?.rendered?.codeBlocks[index];
  }

  /** Forgets the error not tied to an answer (a new answer replaces it). */
  clearGeneralError(): void {
    this.errorBoxes.delete('');
  }

  showError(messageId: string | undefined, text: string, actions: readonly ErrorActionView[]): void {
    const dom = this.deps.dom;
    const key = messageId ?? '';
    this.errorBoxes.get(key)?.remove();
    const box = dom.el('div', { className: 'error-box' });
    this.errorBoxes.set(key, box);
    box.setAttribute('role', 'alert');
    box.append(dom.textEl('p', 'error-message', text));
    const bar = dom.el('div', { className: 'error-actions' });
    for (const action of actions) {
      bar.append(
        dom.button(action.label, action.label, () => {
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
    (article ?? this.element).append(box);
    this.scrollToEnd(true);
  }

  isNearEnd(): boolean {
    return this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < 80;
  }

  scrollToEnd(when: boolean): void {
    if (when) {
      this.element.scrollTop = this.element.scrollHeight;
    }
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
    const dom = this.deps.dom;
    const split = settledLength(text);
    let stable = entry.stable;
    if (!stable || !text.startsWith(stable.text) || split !== stable.text.length) {
      if (!stable || !text.startsWith(stable.text)) {
        const element = dom.el('div', { className: 'settled' });
        const tail = dom.el('div', { className: 'tail' });
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
