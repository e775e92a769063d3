/**
 * Rebuilds a conversation from its journal records (replay), and walks its branches. Pure.
 */
import type { ChatHistoryMessage, Conversation, ConversationPin, JournalRecord } from './chatTypes';

/** A conversation being replayed: mutable inside the store, handed out as a {@link Conversation}. */
export class ConversationState {
  title = 'New conversation';
  createdAt = 0;
  updatedAt = 0;
  deletedAt: number | undefined;
  headId: string | null = null;
  pin: ConversationPin = {};
  readonly messages: ChatHistoryMessage[] = [];
  private readonly index = new Map<string, number>();
  /** Records applied since the last snapshot: drives compaction. */
  recordsSinceSnapshot = 0;
  // Record ids already applied: a record written twice (see the store's append retry) counts once.
  private readonly seen = new Set<string>();

  constructor(readonly id: string) {}

  apply(record: JournalRecord): void {
    if (this.seen.has(record.rid)) {
      return;
    }
    this.seen.add(record.rid);
    this.recordsSinceSnapshot++;
    this.updatedAt = Math.max(this.updatedAt, record.at);
    switch (record.op) {
      case 'create':
        this.title = record.title;
        this.createdAt = record.at;
        break;
      case 'message':
        if (!this.index.has(record.message.id)) {
          this.index.set(record.message.id, this.messages.length);
          this.messages.push(record.message);
        }
        this.headId = record.message.id;
        break;
      case 'update': {
        const at = this.index.get(record.messageId);
        const current = at === undefined ? undefined : this.messages[at];
        if (at !== undefined && current) {
          this.messages[at] = {
            ...current,
            ...(record.content !== undefined ? { content: record.content } : {}),
            ...(record.status !== undefined ? { status: record.status } : {}),
            ...(record.meta !== undefined ? { meta: { ...current.meta, ...record.meta } } : {}),
          };
        }
        break;
      }
      case 'rename':
        this.title = record.title;
        break;
      case 'head':
        if (record.messageId === null || this.index.has(record.messageId)) {
          this.headId = record.messageId;
        }
        break;
      case 'pin':
        this.pin = record.pin;
        break;
      case 'trash':
        this.deletedAt = record.at;
        break;
      case 'restore':
        this.deletedAt = undefined;
        break;
      case 'snapshot': {
        // A snapshot replaces everything: records after it must apply again, even ones seen before it.
        this.seen.clear();
        this.seen.add(record.rid);
        const c = record.conversation;
        this.title = c.title;
        this.createdAt = c.createdAt;
        this.updatedAt = c.updatedAt;
        this.deletedAt = c.deletedAt;
        this.headId = c.headId;
        this.pin = c.pin;
        this.messages.length = 0;
        this.index.clear();
        for (const m of c.messages) {
          this.index.set(m.id, this.messages.length);
          this.messages.push(m);
        }
        this.recordsSinceSnapshot = 0;
        break;
      }
      default:
        assertNever(record);
    }
  }

  has(messageId: string): boolean {
    return this.index.has(messageId);
  }

  message(messageId: string): ChatHistoryMessage | undefined {
    const at = this.index.get(messageId);
    return at === undefined ? undefined : this.messages[at];
  }

  /** A frozen copy for callers. */
  view(): Conversation {
    return {
      id: this.id,
      title: this.title,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      deletedAt: this.deletedAt,
      headId: this.headId,
      pin: this.pin,
      messages: [...this.messages],
    };
  }

  /** The record that rewrites this whole conversation. */
  snapshotRecord(rid: string, at: number): JournalRecord {
    return {
      op: 'snapshot',
      rid,
      at,
      conversation: {
        id: this.id,
        title: this.title,
        createdAt: this.createdAt,
        updatedAt: this.updatedAt,
        ...(this.deletedAt !== undefined ? { deletedAt: this.deletedAt } : {}),
        headId: this.headId,
        pin: this.pin,
        messages: [...this.messages],
      },
    };
  }
}

/** The branch shown: from the root down to `headId` (oldest first). */
export function threadOf(conversation: Pick<Conversation, 'messages' | 'headId'>): ChatHistoryMessage[] {
  const byId = new Map(conversation.messages.map((m) => [m.id, m]));
  const thread: ChatHistoryMessage[] = [];
  const visited = new Set<string>();
  let id = conversation.headId;
  while (id !== null && !visited.has(id)) {
    visited.add(id);
    const m = byId.get(id);
    if (!m) {
      break;
    }
    thread.push(m);
    id = m.parentId;
  }
  return thread.reverse();
}

/** Messages that share a parent with `messageId` (its branches, itself included), oldest first. */
export function siblingsOf(conversation: Pick<Conversation, 'messages'>, messageId: string): ChatHistoryMessage[] {
  const me = conversation.messages.find((m) => m.id === messageId);
  if (!me) {
    return [];
  }
  return conversation.messages.filter((m) => m.parentId === me.parentId && m.role === me.role);
}

/** The latest leaf under `messageId`, following the newest child at each step. */
export function latestLeafUnder(conversation: Pick<Conversation, 'messages'>, messageId: string): string {
  let id = messageId;
  for (;;) {
    const children = conversation.messages.filter((m) => m.parentId === id);
    const last = children.at(-1);
    if (!last) {
      return id;
    }
    id = last.id;
  }
}

function assertNever(value: never): never {
  throw new Error(`Unexpected record: ${JSON.stringify(value)}`);
}
