/**
 * The conversations side of the chat: which conversation is shown (remembered across reloads), how much of it the
 * view gets, where a new message goes, branches, the model pin, and deleting with undo. Pure: no `vscode` import.
 */
import type { HostToWebview, ModelChoice, WebviewToHost } from '../webview/protocol';
import { untitledTitle, type Conversation } from './chatTypes';
import { latestLeafUnder } from './conversationState';
import type { HistoryStore } from './historyStore';
import { titleFrom } from './promptAssembly';

/** How many of the latest messages a state snapshot carries at first; `showEarlier` adds this many more. */
export const STATE_WINDOW = 120;

export interface ConversationsDeps {
  readonly store: HistoryStore;
  /** Saves the active conversation id (workspace state), so a reload reopens it. */
  readonly rememberActive: (id: string | undefined) => void;
  readonly initialActiveId: string | undefined;
  /** Posts to the webview (search results). */
  readonly post: (message: HostToWebview) => void;
}

/** What handling a message left to do: send the state again, or nothing more. */
export type Handled = 'postState' | 'done';

export class Conversations {
  private activeId: string | undefined;
  /** How many of the latest messages of the active conversation the view gets. */
  windowSize = STATE_WINDOW;
  /** The conversation just moved to the trash, offered for "Undo" in the next state only. */
  undoDeleteId: string | undefined;

  constructor(private readonly deps: ConversationsDeps) {
    const initial = deps.initialActiveId;
    const kept = initial === undefined ? undefined : deps.store.get(initial);
    this.activeId = kept !== undefined && kept.deletedAt === undefined ? initial : deps.store.list()[0]?.id;
  }

  /**
   * Handles the messages that only change which conversation (or branch, or model pin) is shown. Undefined for
   * any other message. `busy`: an answer is being written (the branch shown must not change under it).
   */
  async handle(message: WebviewToHost, busy: boolean): Promise<Handled | undefined> {
    const store = this.deps.store;
    switch (message.type) {
      case 'showEarlier':
        this.windowSize += STATE_WINDOW;
        return 'postState';
      case 'newConversation':
        this.setActive(undefined);
        return 'postState';
      case 'switchConversation':
        if (!store.get(message.conversationId)) {
          return 'done';
        }
        this.setActive(message.conversationId);
        await store.refresh();
        return 'postState';
      case 'renameConversation':
        await store.rename(message.conversationId, message.title);
        return 'postState';
      case 'undoDelete':
        await store.restore(message.conversationId);
        this.undoDeleteId = undefined;
        this.setActive(message.conversationId);
        return 'postState';
      case 'setModelChoice':
        await this.setChoice(message.choice);
        return 'postState';
      case 'switchBranch':
        return !busy && (await this.switchBranch(message.messageId)) ? 'postState' : 'done';
      case 'search':
        this.deps.post({
          type: 'searchResults',
          requestId: message.requestId,
          hits: store.search(message.query, 50).map((h) => ({ conversationId: h.conversationId, title: h.title, snippet: h.snippet })),
        });
        return 'done';
      default:
        return undefined;
    }
  }

  get activeIdOrUndefined(): string | undefined {
    return this.activeId;
  }

  /** The conversation shown, if any. */
  active(): Conversation | undefined {
    return this.activeId === undefined ? undefined : this.deps.store.get(this.activeId);
  }

  setActive(id: string | undefined): void {
    if (id !== this.activeId) {
      this.windowSize = STATE_WINDOW;
    }
    this.activeId = id;
    this.deps.rememberActive(id);
  }

  /**
   * The conversation a new message goes to: the active one, or a new one named after the message. One still
   * untitled (created when the model picker changed before the first message, or left so by a stopped or failed
   * first answer) is named after this message: the list never fills with identical "New conversation" entries.
   */
  async conversationFor(text: string): Promise<string> {
    const current = this.active();
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

  /** Shows the branch that ends under `messageId` (its latest leaf). False when there is no such message. */
  private async switchBranch(messageId: string): Promise<boolean> {
    const conversation = this.active();
    if (!conversation || !conversation.messages.some((m) => m.id === messageId)) {
      return false;
    }
    await this.deps.store.setHead(conversation.id, latestLeafUnder(conversation, messageId));
    return true;
  }

  /** Moves a conversation to the trash (Undo brings it back); the next one in the list is shown if it was. */
  async trash(id: string): Promise<void> {
    await this.deps.store.trash(id);
    this.undoDeleteId = id;
    if (this.activeId === id) {
      this.setActive(this.deps.store.list()[0]?.id);
    }
  }

  /** Pins the model choice to the active conversation (one is created if none is shown yet). */
  private async setChoice(choice: ModelChoice): Promise<void> {
    let id = this.activeId;
    if (id === undefined) {
      id = (await this.deps.store.create(untitledTitle)).id;
      this.setActive(id);
    }
    await this.deps.store.setPin(id, choice.kind === 'auto' ? {} : choice.kind === 'tier' ? { tier: choice.tier } : { model: choice.model });
  }
}
