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
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
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
import { encodeRecord, readJournal } from './journal';

/** Told to the caller when a journal was damaged and repaired. */
export interface RecoveryReport {
  readonly conversationId: string;
  readonly file: string;
  /** Damaged lines skipped. */
  readonly badLines: number;
  /** The last record had been cut off mid-write. */
  readonly tornTail: boolean;
  readonly skippedBytes: number;
  /** Records were taken from the rotated backup as well. */
  readonly usedBackup: boolean;
  /** Where the damaged original was kept (nothing is deleted). */
  readonly keptCopy: string | undefined;
}

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

/**
 * Which journal file was read, and how far. A file is known by its inode AND its first bytes: a compaction frees
 * the old inode and the file system may hand the same number to a later journal, which must not pass for the
 * old one (that mix-up let a window skip the other window's records when it compacted).
 */
interface FileMark {
  ino: number;
  /** The file's first {@link HEAD_BYTES} bytes when marked (a record's checksum and start: unique per journal). */
  head: string;
  /** Bytes consumed (up to the last newline). */
  offset: number;
}

const HEAD_BYTES = 48;

function headOf(buffer: Buffer): string {
  return buffer.subarray(0, HEAD_BYTES).toString('latin1');
}

async function readHead(handle: fsp.FileHandle): Promise<string> {
  const buffer = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
  return headOf(buffer.subarray(0, bytesRead));
}

function sameFile(mark: FileMark, ino: number, head: string): boolean {
  return mark.ino === ino && mark.head === head;
}

const DIR = 'conversations';
const EXT = '.jsonl';
const LOCK_STALE_MS = 30_000;

export class HistoryStore {
  private readonly conversations = new Map<string, ConversationState>();
  private readonly marks = new Map<string, FileMark>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly dir: string;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly durable: boolean;
  private readonly compactAfter: number;
  private readonly reports: RecoveryReport[] = [];

  private constructor(private readonly options: HistoryStoreOptions) {
    this.dir = path.join(options.folder, DIR);
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.durable = options.durable ?? true;
    this.compactAfter = options.compactAfterRecords ?? 400;
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
      const file = this.fileOf(conversationId);
      await fsp.rm(file, { force: true });
      await fsp.rm(`${file}.bak`, { force: true });
      this.conversations.delete(conversationId);
      this.marks.delete(conversationId);
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
    await this.serial(id, async () => {
      const line = encodeRecord(record);
      await writeFileAtomic(this.fileOf(id), line);
      const st = await fsp.stat(this.fileOf(id));
      this.marks.set(id, { ino: st.ino, head: headOf(Buffer.from(line, 'utf8')), offset: st.size });
    });
    this.conversations.set(id, state);
    return { ok: true, conversation: state.view() };
  }

  /**
   * Picks up what other windows wrote since the last load: new conversations, appended records, compactions,
   * purges. Cheap when nothing changed (one `stat` per conversation).
   */
  async refresh(): Promise<string[]> {
    const changed: string[] = [];
    const ids = await this.journalIds();
    for (const id of ids) {
      const updated = await this.serial(id, () => this.loadIncremental(id));
      if (updated) {
        changed.push(id);
      }
    }
    for (const id of [...this.conversations.keys()]) {
      if (!ids.includes(id)) {
        this.conversations.delete(id);
        this.marks.delete(id);
        changed.push(id);
      }
    }
    return changed;
  }

  /** Rewrites a conversation's journal as one snapshot record (under the lock; skipped if another window holds it). */
  async compact(conversationId: string): Promise<boolean> {
    return this.serial(conversationId, () => this.compactNow(conversationId));
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

  private fileOf(id: string): string {
    return path.join(this.dir, `${id}${EXT}`);
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
      await this.appendLines(state.id, text);
      const latest = current ?? state;
      if (latest.recordsSinceSnapshot > this.compactAfter && latest.recordsSinceSnapshot > latest.messages.length) {
        await this.compactNow(state.id);
      }
    });
  }

  /** One write() of whole lines at the end of the file; appended again if the file was replaced meanwhile. */
  private async appendLines(id: string, text: string): Promise<void> {
    const file = this.fileOf(id);
    const bytes = Buffer.from(text, 'utf8');
    for (let attempt = 0; attempt < 5; attempt++) {
      // 'a+': O_APPEND for the write, read access for the file's head.
      const handle = await fsp.open(file, 'a+');
      let ino: number;
      let head: string;
      try {
        const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
        if (bytesWritten !== bytes.length) {
          throw new Error(`Short write to ${file} (${bytesWritten}/${bytes.length} bytes); the disk may be full`);
        }
        if (this.durable) {
          await handle.sync();
        }
        ino = (await handle.stat()).ino;
        head = await readHead(handle);
      } finally {
        await handle.close();
      }
      const now = await fsp.stat(file).catch(() => undefined);
      if (now && now.ino === ino) {
        const mark = this.marks.get(id);
        // Our own append: advance the mark only if nobody else wrote in between (else refresh reads theirs).
        if (mark && sameFile(mark, ino, head) && mark.offset + bytes.length === now.size) {
          mark.offset = now.size;
        } else if (!mark) {
          // Unknown position: the next refresh reads the file from the start (replay is idempotent).
          this.marks.set(id, { ino, head, offset: 0 });
        }
        return;
      }
      // The journal was replaced (compaction in another window) after we opened it: append to the new one.
    }
    throw new Error(`Could not append to ${file}: it keeps being replaced`);
  }

  private async loadAll(): Promise<void> {
    for (const id of await this.journalIds()) {
      await this.loadFull(id);
    }
  }

  private async journalIds(): Promise<string[]> {
    const names = await fsp.readdir(this.dir).catch(() => []);
    return names.filter((n) => n.endsWith(EXT)).map((n) => n.slice(0, -EXT.length));
  }

  /** Loads one journal from scratch; repairs it (and reports) when damaged. */
  private async loadFull(id: string): Promise<void> {
    const file = this.fileOf(id);
    const handle = await fsp.open(file, 'r').catch(() => undefined);
    if (!handle) {
      return;
    }
    let buffer: Buffer;
    let ino: number;
    try {
      ino = (await handle.stat()).ino;
      buffer = await handle.readFile();
    } finally {
      await handle.close();
    }
    // Only whole lines count as read; a line still being written by another window is read next time.
    const consumed = buffer.lastIndexOf(0x0a) + 1;
    const main = readJournal(buffer.toString('utf8'));
    const state = new ConversationState(id);
    const damaged = main.badLines > 0 || main.tornTail;
    let usedBackup = false;
    if (damaged || main.records.length === 0) {
      // Replay the rotated backup first: it holds what a damaged start of the journal may have lost.
      const bak = await fsp.readFile(`${file}.bak`, 'utf8').catch(() => undefined);
      if (bak !== undefined) {
        const fromBak = readJournal(bak).records;
        const ridsInMain = new Set(main.records.map((r) => r.rid));
        for (const r of fromBak) {
          if (!ridsInMain.has(r.rid)) {
            state.apply(r);
            usedBackup = true;
          }
        }
      }
    }
    for (const r of main.records) {
      state.apply(r);
    }
    this.conversations.set(id, state);
    this.marks.set(id, { ino, head: headOf(buffer), offset: main.tornTail ? consumed : buffer.length });
    if (damaged) {
      // Keep the damaged original, then rewrite a clean journal so the next append does not glue onto torn bytes.
      const keptCopy = `${file}.corrupt-${this.now()}`;
      await fsp.copyFile(file, keptCopy).catch(() => undefined);
      const report: RecoveryReport = {
        conversationId: id,
        file,
        badLines: main.badLines,
        tornTail: main.tornTail,
        skippedBytes: main.skippedBytes,
        usedBackup,
        keptCopy,
      };
      this.reports.push(report);
      this.options.logger?.warn(`Chat history ${id}: recovered (${main.badLines} damaged line(s), torn tail: ${main.tornTail}); original kept at ${keptCopy}`);
      await this.compactNow(id);
    }
  }

  /** Reads only what was appended since the mark; a replaced or shrunk file is loaded again in full. */
  private async loadIncremental(id: string): Promise<boolean> {
    const file = this.fileOf(id);
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st) {
      return false;
    }
    const mark = this.marks.get(id);
    const state = this.conversations.get(id);
    if (!mark || !state || mark.ino !== st.ino || st.size < mark.offset) {
      await this.loadFull(id);
      return true;
    }
    if (st.size === mark.offset) {
      return false;
    }
    const handle = await fsp.open(file, 'r');
    let replaced = false;
    try {
      replaced = !sameFile(mark, (await handle.stat()).ino, await readHead(handle));
      if (replaced) {
        return true;
      }
      const length = st.size - mark.offset;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, mark.offset);
      const lastNewline = buffer.lastIndexOf(0x0a);
      if (lastNewline < 0) {
        return false; // a record still being written
      }
      const { records } = readJournal(buffer.subarray(0, lastNewline + 1).toString('utf8'));
      const known = new Set<string>();
      for (const r of records) {
        if (!known.has(r.rid)) {
          known.add(r.rid);
          state.apply(r);
        }
      }
      mark.offset += lastNewline + 1;
      return records.length > 0;
    } finally {
      await handle.close();
      if (replaced) {
        // Another journal under the same inode number: read it whole.
        await this.loadFull(id);
      }
    }
  }

  private async compactNow(id: string): Promise<boolean> {
    let state = this.conversations.get(id);
    if (!state) {
      return false;
    }
    const file = this.fileOf(id);
    const lock = `${file}.lock`;
    if (!(await this.takeLock(lock))) {
      return false;
    }
    try {
      // Read the journal as it is now, through a handle that stays on this inode.
      const old = await fsp.open(file, 'r').catch(() => undefined);
      try {
        let consumed = 0;
        if (old) {
          const buf = await old.readFile();
          consumed = buf.lastIndexOf(0x0a) + 1;
          // Apply what other windows appended that we have not seen yet, so the snapshot includes it. If the file
          // was replaced since we last read it (another window compacted), rebuild from the file: it holds all.
          const mark = this.marks.get(id);
          const oldIno = (await old.stat()).ino;
          if (mark && sameFile(mark, oldIno, headOf(buf)) && mark.offset <= consumed) {
            for (const r of readJournal(buf.subarray(mark.offset, consumed).toString('utf8')).records) {
              state.apply(r);
            }
          } else {
            state = new ConversationState(id);
            for (const r of readJournal(buf.subarray(0, consumed).toString('utf8')).records) {
              state.apply(r);
            }
            this.conversations.set(id, state);
          }
          // Rotate: the journal as it was becomes the backup (itself replaced atomically).
          await writeFileAtomic(`${file}.bak`, buf.toString('utf8'));
        }
        const snapshot = encodeRecord(state.snapshotRecord(this.newId(), this.now()));
        await writeFileAtomic(file, snapshot);
        // The new journal starts with exactly our snapshot; anything after it is read (again) by refresh.
        const newIno = (await fsp.stat(file)).ino;
        // Records that reached the old inode after we read it: carry them over to the new journal.
        if (old) {
          const size = (await old.stat()).size;
          if (size > consumed) {
            const tail = Buffer.alloc(size - consumed);
            await old.read(tail, 0, tail.length, consumed);
            const records = readJournal(tail.toString('utf8')).records;
            for (const r of records) {
              state.apply(r);
            }
            if (records.length > 0) {
              await fsp.appendFile(file, records.map(encodeRecord).join(''));
            }
          }
        }
        this.marks.set(id, { ino: newIno, head: headOf(Buffer.from(snapshot, 'utf8')), offset: Buffer.byteLength(snapshot) });
        state.recordsSinceSnapshot = 0;
        return true;
      } finally {
        await old?.close();
      }
    } finally {
      await fsp.rm(lock, { force: true });
    }
  }

  /** A lock file created exclusively; a lock older than {@link LOCK_STALE_MS} (crashed window) is broken. */
  private async takeLock(lock: string): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await fsp.open(lock, 'wx');
        await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
        await handle.close();
        return true;
      } catch {
        const st = await fsp.stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
          await fsp.rm(lock, { force: true });
          continue;
        }
        return false;
      }
    }
    return false;
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
