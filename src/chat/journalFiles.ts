/**
 * The chat history's files: one append-only journal per conversation (`<id>.jsonl`, its rotated `.bak`), read
 * whole or from where it was last read, appended to with one O_APPEND write per batch of records, and compacted
 * into one snapshot under a lock file. It keeps, per journal, which file was read and how far ({@link FileMark}),
 * and applies what it reads to the store's conversations. Why this is safe with several windows: see
 * `historyStore.ts`. Pure (Node fs, no `vscode`).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import type { Logger } from '../util/logger';
import { ConversationState } from './conversationState';
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

/** What the journal files share with the store: its conversations (read into), clock, ids and reports. */
export interface JournalFilesDeps {
  /** `<folder>/conversations`. */
  readonly dir: string;
  /** The store's conversations: loading and compacting apply records to them, or replace them. */
  readonly conversations: Map<string, ConversationState>;
  /** Damaged journals found, for the caller to tell the user. */
  readonly reports: RecoveryReport[];
  readonly now: () => number;
  readonly newId: () => string;
  /** fsync every append. */
  readonly durable: boolean;
  readonly logger?: Logger;
}

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

const EXT = '.jsonl';
const LOCK_STALE_MS = 30_000;

/** The journal files of one history folder. Callers serialise the calls for one conversation. */
export class JournalFiles {
  private readonly marks = new Map<string, FileMark>();

  constructor(private readonly deps: JournalFilesDeps) {}

  fileOf(id: string): string {
    return path.join(this.deps.dir, `${id}${EXT}`);
  }

  /** Writes a whole new journal atomically (an import): a crash leaves either nothing or all of it. */
  async writeNew(id: string, line: string): Promise<void> {
    await writeFileAtomic(this.fileOf(id), line);
    const st = await fsp.stat(this.fileOf(id));
    this.marks.set(id, { ino: st.ino, head: headOf(Buffer.from(line, 'utf8')), offset: st.size });
  }

  /** Removes a conversation's journal and backup for good. */
  async remove(id: string): Promise<void> {
    const file = this.fileOf(id);
    await fsp.rm(file, { force: true });
    await fsp.rm(`${file}.bak`, { force: true });
    this.marks.delete(id);
  }

  /** Forgets where a journal was read up to (its file is gone). */
  forget(id: string): void {
    this.marks.delete(id);
  }

  /** One write() of whole lines at the end of the file; appended again if the file was replaced meanwhile. */
  async append(id: string, text: string): Promise<void> {
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
        if (this.deps.durable) {
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

  /** The ids of the conversations that have a journal. */
  async ids(): Promise<string[]> {
    const names = await fsp.readdir(this.deps.dir).catch(() => []);
    return names.filter((n) => n.endsWith(EXT)).map((n) => n.slice(0, -EXT.length));
  }

  /** Loads one journal from scratch; repairs it (and reports) when damaged. */
  async loadFull(id: string): Promise<void> {
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
    this.deps.conversations.set(id, state);
    this.marks.set(id, { ino, head: headOf(buffer), offset: main.tornTail ? consumed : buffer.length });
    if (damaged) {
      // Keep the damaged original, then rewrite a clean journal so the next append does not glue onto torn bytes.
      const keptCopy = `${file}.corrupt-${this.deps.now()}`;
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
      this.deps.reports.push(report);
      this.deps.logger?.warn(`Chat history ${id}: recovered (${main.badLines} damaged line(s), torn tail: ${main.tornTail}); original kept at ${keptCopy}`);
      await this.compact(id);
    }
  }

  /** Reads only what was appended since the mark; a replaced or shrunk file is loaded again in full. */
  async loadIncremental(id: string): Promise<boolean> {
    const file = this.fileOf(id);
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st) {
      return false;
    }
    const mark = this.marks.get(id);
    const state = this.deps.conversations.get(id);
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

  /** Rewrites a journal as one snapshot record under the lock file; false when another window holds the lock. */
  async compact(id: string): Promise<boolean> {
    let state = this.deps.conversations.get(id);
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
            this.deps.conversations.set(id, state);
          }
          // Rotate: the journal as it was becomes the backup (itself replaced atomically).
          await writeFileAtomic(`${file}.bak`, buf.toString('utf8'));
        }
        const snapshot = encodeRecord(state.snapshotRecord(this.deps.newId(), this.deps.now()));
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
