/**
 * Chat history that is never lost. Pure (Node fs, no `vscode`): the adapter passes `context.storageUri`'s path.
 *
 * Layout: `<folder>/conversations/<id>.jsonl`, one append-only journal per conversation (see `journal.ts` for
 * the line format), plus `<id>.jsonl.bak` (the previous journal, rotated on each compaction).
 *
 * Why one journal per conversation: an append touches one small file; a damaged file costs at most one
 * conversation; delete/purge is one unlink; compaction rewrites only the conversation that grew.
 *
 * Why two windows cannot lose data: every record is one whole line written by ONE `write()` on a file opened
 * with O_APPEND, so the kernel puts each line at the current end and lines never interleave. Records carry a
 * unique id, so replay is idempotent and a record that is written twice counts once. The only file that is ever
 * replaced is the journal itself, on compaction (temp file, fsync, rename, under a lock file); a writer that
 * appended to the replaced file notices (its file's inode is no longer the path's) and appends again, and the
 * compactor copies any tail that arrived after it read. Other windows' records are picked up by {@link refresh}.
 * The files themselves (append, load, compact, lock) are `journalFiles.ts`; this class is the conversations API.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../util/logger';
import {
  exportedConversationSchema,
  type AnswerMeta,
  type ChatHistoryMessage,
  type ChatHistoryRole,
  type Conversation,
  type ConversationPin,
  type ConversationSummary,
  type ExportedConversation,
  type JournalRecord,
  type MessageStatus,
  untitledTitle,
} from './chatTypes';
import { ConversationState } from './conversationState';
import { exportMarkdown } from './exportMarkdown';
import { encodeRecord } from './journal';
import { JournalFiles } from './journalFiles';
import type { RecoveryReport } from './journalFiles';

export type { RecoveryReport } from './journalFiles';


export interface HistoryStoreOptions {
  /** The folder that holds the history (the extension's workspace storage). Created when missing. */
  readonly folder: string;
  /** Wall-clock milliseconds (timestamps). */
  readonly now?: () => number;
  readonly newId?: () => string;
  readonly logger?: Logger;
  /** fsync every append (default true). Off only for benchmarks of the raw append path. */
  readonly durable?: boolean;
  /** Compact a journal when it holds more records than this since its last snapshot (default 400). */
  readonly compactAfterRecords?: number;
}

export interface NewMessage {
  readonly role: ChatHistoryRole;
  readonly content: string;
  /** Defaults to the conversation's head (the end of the branch being shown). `null` = a root message. */
  readonly parentId?: string | null;
  readonly status?: MessageStatus;
  readonly meta?: AnswerMeta;
}

export interface MessagePatch {
  readonly content?: string;
  readonly status?: MessageStatus;
  readonly meta?: AnswerMeta;
}

export interface SearchHit {
  readonly conversationId: string;
  readonly title: string;
  readonly messageId: string | undefined;
  /** Text around the match. */
  readonly snippet: string;
}

export type ImportResult = { readonly ok: true; readonly conversation: Conversation } | { readonly ok: false; readonly reason: string };

const DIR = 'conversations';

export class HistoryStore {
  private readonly conversations = new Map<string, ConversationState>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly dir: string;
  private readonly files: JournalFiles;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly durable: boolean;
  private readonly compactAfter: number;
  private readonly reports: RecoveryReport[] = [];

  private constructor(options: HistoryStoreOptions) {
    this.dir = path.join(options.folder, DIR);
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.durable = options.durable ?? true;
    this.compactAfter = options.compactAfterRecords ?? 400;
    this.files = new JournalFiles({
      dir: this.dir,
      conversations: this.conversations,
      reports: this.reports,
      now: this.now,
      newId: this.newId,
      durable: this.durable,
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  }

  /** Opens (and creates) the store, loading and repairing every journal. See {@link recovered}. */
  static async open(options: HistoryStoreOptions): Promise<HistoryStore> {
    const store = new HistoryStore(options);
    await fsp.mkdir(store.dir, { recursive: true });
    await store.loadAll();
    return store;
  }

  /** Journals that were damaged and repaired since the store was opened; the caller tells the user. */
  get recovered(): readonly RecoveryReport[] {
    return this.reports;
  }

  /** Conversations, most recently updated first. Trashed ones only with `includeDeleted`. */
  list(options: { includeDeleted?: boolean } = {}): ConversationSummary[] {
    return [...this.conversations.values()]
      .filter((c) => options.includeDeleted === true || c.deletedAt === undefined)
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .map((c) => ({ id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt, messageCount: c.messages.length, deletedAt: c.deletedAt }));
  }

  get(id: string): Conversation | undefined {
    return this.conversations.get(id)?.view();
  }

  async create(title = untitledTitle, pin: ConversationPin = {}): Promise<Conversation> {
    const id = this.newId();
    const state = new ConversationState(id);
    this.conversations.set(id, state);
    await this.write(state, [{ op: 'create', rid: this.newId(), at: this.now(), id, title: clip(title, 500) }]);
    if (pin.tier !== undefined || pin.model !== undefined) {
      await this.write(state, [{ op: 'pin', rid: this.newId(), at: this.now(), pin }]);
    }
    return state.view();
  }

  /** Appends a message (it becomes the head of the branch shown). */
  async appendMessage(conversationId: string, input: NewMessage): Promise<ChatHistoryMessage> {
    const state = this.require(conversationId);
    const parentId = input.parentId === undefined ? state.headId : input.parentId;
    if (parentId !== null && !state.has(parentId)) {
      throw new Error(`No message ${parentId} in conversation ${conversationId}`);
    }
    const message: ChatHistoryMessage = {
      id: this.newId(),
      parentId,
      role: input.role,
      content: input.content,
      createdAt: this.now(),
      status: input.status ?? 'complete',
      ...(input.meta ? { meta: input.meta } : {}),
    };
    await this.write(state, [{ op: 'message', rid: this.newId(), at: message.createdAt, message }]);
    return message;
  }

  /** Updates a message in place, e.g. a streamed answer's text, status and figures. */
  async updateMessage(conversationId: string, messageId: string, patch: MessagePatch): Promise<ChatHistoryMessage> {
    const state = this.require(conversationId);
    if (!state.has(messageId)) {
      throw new Error(`No message ${messageId} in conversation ${conversationId}`);
    }
    await this.write(state, [{ op: 'update', rid: this.newId(), at: this.now(), messageId, ...patch }]);
    const updated = state.message(messageId);
    if (!updated) {
      throw new Error(`Message ${messageId} vanished`);
    }
    return updated;
  }

  /** Shows another branch: `messageId` becomes the head. */
  async setHead(conversationId: string, messageId: string | null): Promise<void> {
    const state = this.require(conversationId);
    if (messageId !== null && !state.has(messageId)) {
      throw new Error(`No message ${messageId} in conversation ${conversationId}`);
    }
    await this.write(state, [{ op: 'head', rid: this.newId(), at: this.now(), messageId }]);
  }

  async rename(conversationId: string, title: string): Promise<void> {
    await this.write(this.require(conversationId), [{ op: 'rename', rid: this.newId(), at: this.now(), title: clip(title, 500) }]);
  }

  async setPin(conversationId: string, pin: ConversationPin): Promise<void> {
    await this.write(this.require(conversationId), [{ op: 'pin', rid: this.newId(), at: this.now(), pin }]);
  }

  /** Soft delete: the conversation moves to the trash and {@link restore} brings it back. */
  async trash(conversationId: string): Promise<void> {
    await this.write(this.require(conversationId), [{ op: 'trash', rid: this.newId(), at: this.now() }]);
  }

  async restore(conversationId: string): Promise<void> {
    await this.write(this.require(conversationId), [{ op: 'restore', rid: this.newId(), at: this.now() }]);
  }

  /** Removes a trashed conversation's files for good. Refuses a conversation that is not in the trash. */
  async purge(conversationId: string): Promise<void> {
    const state = this.require(conversationId);
    if (state.deletedAt === undefined) {
      throw new Error('Only a conversation in the trash can be purged');
    }
    await this.serial(conversationId, async () => {
      await this.files.remove(conversationId);
      this.conversations.delete(conversationId);
    });
  }

  /** Case-insensitive search through titles and every message of every conversation (trash excluded). */
  search(query: string, limit = 50): SearchHit[] {
    const needle = query.trim();
    if (needle.length === 0) {
      return [];
    }
    // A case-insensitive regex scans in place: ~10x faster than lower-casing every message per search.
    const pattern = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    const hits: SearchHit[] = [];
    for (const c of this.list()) {
      const state = this.conversations.get(c.id);
      if (!state) {
        continue;
      }
      if (pattern.test(state.title)) {
        hits.push({ conversationId: c.id, title: c.title, messageId: undefined, snippet: state.title });
      }
      for (const m of state.messages) {
        const at = m.content.search(pattern);
        if (at >= 0) {
          hits.push({ conversationId: c.id, title: c.title, messageId: m.id, snippet: snippetAround(m.content, at, needle.length) });
          if (hits.length >= limit) {
            return hits;
          }
        }
      }
    }
    return hits.slice(0, limit);
  }

  /** The JSON export of a conversation (every branch). */
  exportJson(conversationId: string): string {
    const c = this.require(conversationId);
    const exported: ExportedConversation = {
      format: 'tiered-chat',
      version: 1,
      conversation: { id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt, headId: c.headId, pin: c.pin, messages: [...c.messages] },
    };
    return `${JSON.stringify(exported, null, 2)}\n`;
  }

  /** The Markdown export of the branch being shown. */
  exportMarkdown(conversationId: string): string {
    return exportMarkdown(this.require(conversationId).view());
  }

  /**
   * Imports a JSON export. Validated with zod first: a bad file is rejected with the reason and changes nothing.
   * A conversation whose id already exists is imported under a new id.
   */
  async importJson(text: string): Promise<ImportResult> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: `Not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
    const parsed = exportedConversationSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
      return { ok: false, reason: `Not a Tiered chat export${where}: ${first?.message ?? 'invalid'}` };
    }
    const source = parsed.data.conversation;
    const id = this.conversations.has(source.id) ? this.newId() : source.id;
    const state = new ConversationState(id);
    const record: JournalRecord = {
      op: 'snapshot',
      rid: this.newId(),
      at: this.now(),
      conversation: { ...source, id, updatedAt: Math.max(source.updatedAt, source.createdAt) },
    };
    state.apply(record);
    // Written as a whole new file, atomically: a crash leaves either nothing or the whole import.
    await this.serial(id, () => this.files.writeNew(id, encodeRecord(record)));
    this.conversations.set(id, state);
    return { ok: true, conversation: state.view() };
  }

  /**
   * Picks up what other windows wrote since the last load: new conversations, appended records, compactions,
   * purges. Cheap when nothing changed (one `stat` per conversation).
   */
  async refresh(): Promise<string[]> {
    const changed: string[] = [];
    const ids = await this.files.ids();
    for (const id of ids) {
      const updated = await this.serial(id, () => this.files.loadIncremental(id));
      if (updated) {
        changed.push(id);
      }
    }
    for (const id of [...this.conversations.keys()]) {
      if (!ids.includes(id)) {
        this.conversations.delete(id);
        this.files.forget(id);
        changed.push(id);
      }
    }
    return changed;
  }

  /** Rewrites a conversation's journal as one snapshot record (under the lock; skipped if another window holds it). */
  async compact(conversationId: string): Promise<boolean> {
    return this.serial(conversationId, () => this.files.compact(conversationId));
  }

  /** Waits for every pending write. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.queues.values()]);
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private require(id: string): ConversationState {
    const state = this.conversations.get(id);
    if (!state) {
      throw new Error(`No conversation ${id}`);
    }
    return state;
  }

  /** Runs `task` after every earlier task of the same conversation. */
  private serial<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.queues.set(
      id,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Applies records in memory at once (the UI sees them), then appends them to the journal. */
  private async write(state: ConversationState, records: JournalRecord[]): Promise<void> {
    for (const r of records) {
      state.apply(r);
    }
    const text = records.map(encodeRecord).join('');
    await this.serial(state.id, async () => {
      // A compaction queued before us may have rebuilt the state from disk: give the new one our records too.
      const current = this.conversations.get(state.id);
      if (current && current !== state) {
        for (const r of records) {
          current.apply(r);
        }
      }
      await this.files.append(state.id, text);
      const latest = current ?? state;
      if (latest.recordsSinceSnapshot > this.compactAfter && latest.recordsSinceSnapshot > latest.messages.length) {
        await this.files.compact(state.id);
      }
    });
  }

  private async loadAll(): Promise<void> {
    for (const id of await this.files.ids()) {
      await this.files.loadFull(id);
    }
  }
}

/** Branch helpers live in `conversationState.ts`; re-exported for callers. */
export { threadOf, siblingsOf, latestLeafUnder } from './conversationState';

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

function snippetAround(text: string, at: number, length: number): string {
  const start = Math.max(0, at - 40);
  const end = Math.min(text.length, at + length + 80);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ')}${end < text.length ? '…' : ''}`;
}
