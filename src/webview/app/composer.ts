// The chat view's composer: the message box (Enter sends, Up edits the last message, @ picks a file, / runs a
// saved prompt), the context chips, the model picker, the "codebase" toggle, Stop and Send, and the draft kept
// across reloads.
import type { ChatStateSnapshot, MessageView, WebviewToHost } from '../protocol';
import type { Dom } from './dom';
import { SlashMenu } from './slashMenu';
import type { PersistedViewState } from './vscodeApi';

export interface ComposerDeps {
  readonly dom: Dom;
  readonly post: (message: WebviewToHost) => void;
  readonly saveState: (state: PersistedViewState) => void;
  readonly initialState: PersistedViewState;
  /** The messages shown: Up edits the last of the user's. */
  readonly messages: () => readonly MessageView[];
}

/** What the user writes next, and with which model and context. */
export class Composer {
  /** The composer's footer element. */
  readonly element: HTMLElement;
  /** The `/` saved-prompt menu (hooks itself onto the message box; see slashMenu.ts). */
  readonly slashMenu: SlashMenu;
  private readonly input: HTMLTextAreaElement;
  private readonly picker: HTMLSelectElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly editingBar: HTMLElement;
  private readonly chips: HTMLElement;
  /** On: questions about code search the workspace index by themselves; off: only `@codebase` does. */
  private readonly codebaseToggle: HTMLButtonElement;
  private state: Pick<ChatStateSnapshot, 'picker' | 'choice' | 'chips' | 'streamingId' | 'codebase'> = { picker: [], choice: { kind: 'auto' }, chips: [], streamingId: undefined };
  private editingId: string | undefined;

  constructor(private readonly deps: ComposerDeps) {
    const dom = deps.dom;
    this.chips = dom.el('div', { className: 'chips', ariaLabel: 'Context' });
    this.input = dom.el('textarea', { className: 'input', ariaLabel: 'Message (Enter sends, Shift+Enter new line, Up edits the last message)' });
    this.input.rows = 3;
    this.input.placeholder = 'Ask about your code…  (/ runs a saved prompt, @ adds a file; Enter sends, Shift+Enter new line)';
    // Before wireEvents: the menu takes its keys (Enter on a prompt) ahead of the composer's handler.
    this.slashMenu = new SlashMenu({ document: dom.doc, input: this.input, post: (m) => deps.post(m) });
    this.picker = dom.el('select', { className: 'picker', ariaLabel: 'Model' });
    this.sendButton = dom.button('Send', 'Send (Enter)', () => this.submit());
    this.sendButton.classList.add('primary');
    this.stopButton = dom.button('Stop', 'Stop the answer (Esc)', () => deps.post({ type: 'stop' }));
    this.stopButton.hidden = true;
    this.codebaseToggle = dom.button('codebase', 'Codebase', () => this.toggleCodebase());
    this.codebaseToggle.classList.add('codebase-toggle');
    this.codebaseToggle.hidden = true;
    this.editingBar = dom.el('div', { className: 'editing-bar' });
    this.editingBar.hidden = true;

    this.element = dom.el('footer', { className: 'composer' });
    const row = dom.el('div', { className: 'composer-row' });
    row.append(this.picker, dom.button('@ File', 'Add a file as context', () => deps.post({ type: 'pickFile' })), this.codebaseToggle, this.stopButton, this.sendButton);
    this.element.append(this.editingBar, this.chips, this.input, row);

    this.wireEvents();
    this.input.value = deps.initialState.draft;
    this.setEditing(deps.initialState.editingId);
  }

  /** Shows the picker and chips of a new state; an edit of a message no longer shown ends. */
  render(state: ChatStateSnapshot): void {
    this.state = state;
    this.renderPicker();
    this.renderChips();
    this.renderCodebase();
    this.setStreaming(state.streamingId);
    if (this.editingId !== undefined && !state.messages.some((m) => m.id === this.editingId)) {
      this.setEditing(undefined);
    }
  }

  /** While an answer streams: Stop instead of Send. */
  setStreaming(streamingId: string | undefined): void {
    this.state = { ...this.state, streamingId };
    this.stopButton.hidden = streamingId === undefined;
    this.sendButton.disabled = streamingId !== undefined;
  }

  /** Puts a sent message back in the box to be edited and resent as a new branch. */
  startEdit(messageId: string): void {
    const message = this.deps.messages().find((m) => m.id === messageId);
    if (!message || this.state.streamingId !== undefined) {
      return;
    }
    this.setEditing(messageId);
    this.input.value = message.content;
    this.input.focus();
    this.persist();
  }

  /** Replaces the draft (the host gives back the words of a prompt run that was cancelled). */
  setDraft(text: string): void {
    this.input.value = text;
    this.persist();
    this.input.focus();
  }

  private renderPicker(): void {
    const current = JSON.stringify(this.state.choice);
    this.picker.replaceChildren(
      ...this.state.picker.map((p, index) => {
        const option = this.deps.dom.doc.createElement('option');
        option.value = String(index);
        option.textContent = p.label;
        option.selected = JSON.stringify(p.choice) === current;
        return option;
      }),
    );
  }

  private renderCodebase(): void {
    const on = this.state.codebase;
    this.codebaseToggle.hidden = on === undefined;
    this.codebaseToggle.setAttribute('aria-pressed', on === true ? 'true' : 'false');
    const what = on === true
      ? 'Codebase search on: a question that names code or asks where, how or why gets the best matching code of the workspace (click to turn off)'
      : 'Codebase search off: only a question with @codebase searches the workspace (click to turn on)';
    this.codebaseToggle.title = what;
    this.codebaseToggle.setAttribute('aria-label', `Codebase search (${on === true ? 'on' : 'off'})`);
  }

  private toggleCodebase(): void {
    const enabled = this.state.codebase !== true;
    // Shown at once; the host remembers it and sends it back with the next state.
    this.state = { ...this.state, codebase: enabled };
    this.renderCodebase();
    this.deps.post({ type: 'setCodebase', enabled });
  }

  private renderChips(): void {
    const dom = this.deps.dom;
    this.chips.replaceChildren(
      ...this.state.chips.map((chip) => {
        const el = dom.el('span', { className: `chip chip-${chip.kind}` });
        el.title = chip.detail;
        const label = dom.el('span', { className: 'chip-label' });
        label.textContent = chip.label;
        el.append(label, dom.button('×', `Remove ${chip.label} from the context`, () => this.deps.post({ type: 'removeChip', chipId: chip.id })));
        return el;
      }),
    );
  }

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
        const lastUser = [...this.deps.messages()].reverse().find((m) => m.role === 'user');
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
    this.picker.addEventListener('change', () => {
      const option = this.state.picker[Number(this.picker.value)];
      if (option) {
        this.deps.post({ type: 'setModelChoice', choice: option.choice });
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

  private setEditing(messageId: string | undefined): void {
    this.editingId = messageId;
    this.editingBar.hidden = messageId === undefined;
    this.editingBar.textContent = messageId === undefined ? '' : 'Editing your message: Enter resends it as a new branch (the earlier one is kept), Esc cancels.';
    this.sendButton.textContent = messageId === undefined ? 'Send' : 'Resend';
  }

  private persist(): void {
    this.deps.saveState({ draft: this.input.value, editingId: this.editingId });
  }
}
