// The chat view's conversations part: the toolbar (conversation list, rename, new, the ⋯ menu) and the search
// over all conversations with its results.
import type { ChatStateSnapshot, SearchHitView, WebviewToHost } from '../protocol';
import { ActionMenu } from './actionMenu';
import type { Dom } from './dom';

/** The conversation list, its actions and the search. */
export class ConversationBar {
  /** The toolbar: conversation, title while renaming, +, ⋯. */
  readonly toolbar: HTMLElement;
  readonly searchInput: HTMLInputElement;
  readonly searchResults: HTMLElement;
  private readonly conversationSelect: HTMLSelectElement;
  private readonly titleInput: HTMLInputElement;
  private state: Pick<ChatStateSnapshot, 'conversations' | 'activeId' | 'title'> = { conversations: [], activeId: undefined, title: '' };
  private searchSeq = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly dom: Dom,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    this.conversationSelect = dom.el('select', { className: 'conversation-select', ariaLabel: 'Conversation' });
    this.titleInput = dom.el('input', { className: 'title-input', ariaLabel: 'Conversation title' });
    this.titleInput.hidden = true;
    this.searchInput = dom.el('input', { className: 'search', ariaLabel: 'Search all conversations' });
    this.searchInput.type = 'search';
    this.searchInput.placeholder = 'Search conversations';
    this.searchResults = dom.el('ul', { className: 'search-results', ariaLabel: 'Search results' });
    this.searchResults.hidden = true;

    this.toolbar = dom.el('header', { className: 'toolbar' });
    this.toolbar.append(
      this.conversationSelect,
      this.titleInput,
      dom.button('+', 'New conversation', () => post({ type: 'newConversation' })),
      new ActionMenu(dom.doc, 'More conversation actions', [
        { label: 'Rename…', title: 'Rename this conversation', run: () => this.startRename() },
        { label: 'Delete', title: 'Delete this conversation (can be undone)', run: () => this.withActive((id) => post({ type: 'deleteConversation', conversationId: id })) },
        { label: 'Export as Markdown…', title: 'Export this conversation as Markdown', run: () => this.withActive((id) => post({ type: 'exportConversation', conversationId: id, format: 'markdown' })) },
        { label: 'Export as JSON…', title: 'Export this conversation as JSON (it can be imported again)', run: () => this.withActive((id) => post({ type: 'exportConversation', conversationId: id, format: 'json' })) },
        { label: 'Import from JSON…', title: 'Import a conversation from a JSON export', run: () => post({ type: 'importConversation' }) },
      ]).element,
    );
    this.wireEvents();
  }

  /** Shows the conversations of a new state. */
  render(state: ChatStateSnapshot): void {
    this.state = state;
    const options = state.conversations.map((c) => {
      const option = this.dom.doc.createElement('option');
      option.value = c.id;
      option.textContent = c.title || 'Untitled';
      option.selected = c.id === state.activeId;
      return option;
    });
    if (options.length === 0) {
      const option = this.dom.doc.createElement('option');
      option.textContent = 'New conversation';
      options.push(option);
    }
    this.conversationSelect.replaceChildren(...options);
  }

  showSearchResults(requestId: string, hits: readonly SearchHitView[]): void {
    if (requestId !== String(this.searchSeq)) {
      return; // an older search
    }
    this.searchResults.hidden = this.searchInput.value.trim().length === 0;
    if (hits.length === 0) {
      this.searchResults.replaceChildren(this.dom.textEl('li', 'no-hits', 'No matches.'));
      return;
    }
    this.searchResults.replaceChildren(
      ...hits.map((hit) => {
        const li = this.dom.doc.createElement('li');
        const button = this.dom.button('', `Open ${hit.title}`, () => {
          this.searchInput.value = '';
          this.searchResults.hidden = true;
          this.post({ type: 'switchConversation', conversationId: hit.conversationId });
        });
        button.append(this.dom.textEl('strong', 'hit-title', hit.title), this.dom.textEl('span', 'hit-snippet', hit.snippet));
        li.append(button);
        return li;
      }),
    );
  }

  private wireEvents(): void {
    this.conversationSelect.addEventListener('change', () => {
      const id = this.conversationSelect.value;
      if (id && id !== this.state.activeId) {
        this.post({ type: 'switchConversation', conversationId: id });
      }
    });
    this.titleInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        const title = this.titleInput.value.trim();
        if (title && this.state.activeId) {
          this.post({ type: 'renameConversation', conversationId: this.state.activeId, title });
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
        this.post({ type: 'search', requestId: String(this.searchSeq), query });
      }, 150);
    });
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
}
