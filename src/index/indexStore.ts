/**
 * The index on disk: an append-only log of JSON lines, one record per indexed file (its chunks and their term
 * counts), per metadata refresh, per deletion and per file's embeddings; the last record of a path wins.
 *
 * Crash safety: a write interrupted at any byte leaves a last line without its newline (or a line that is not valid
 * JSON); loading drops it and keeps every record before it, and the next append first cuts the file back to its
 * last complete line, so nothing is ever glued to a torn record. Compaction rewrites the log with only the live
 * records through an atomic replace (temp file + fsync + rename), so a crash during it leaves the old log whole.
 *
 * Beside the log, a binary snapshot (see `snapshot.ts`) taken after a build lets a restart skip replaying the log:
 * it loads the snapshot and replays only the records appended after it. The snapshot names the log (by the random id
 * in the log's header) and the bytes of it it covers; one that is missing, torn, corrupt or of another log is ignored
 * and the whole log replayed, and the reason is returned for the caller to log. It is written atomically, after the
 * log is synced up to the bytes it covers.
 * Pure: no `vscode` import.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomicFile';
import { chunkTupleSchema, decodeChunk, encodeChunk, isChunkTuple } from './chunkCodec';
import type { IndexSnapshot } from './snapshot';
import { decodeSnapshot, encodeSnapshot } from './snapshot';
import type { FileRecord } from './types';

/** Bump when the record format or the chunking changes: an index of another version is rebuilt. */
export const indexFormatVersion = 1;

const chunkSchema = chunkTupleSchema;
const recordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('h'), v: z.number(), id: z.string().optional() }),
  z.object({ t: z.literal('f'), p: z.string(), s: z.number(), m: z.number(), h: z.string(), c: z.array(chunkSchema), w: z.array(z.string()) }),
  z.object({ t: z.literal('m'), p: z.string(), s: z.number(), m: z.number() }),
  z.object({ t: z.literal('d'), p: z.string() }),
  z.object({ t: z.literal('e'), p: z.string(), h: z.string(), model: z.string(), v: z.array(z.string()) }),
]);

/** One line of the log. */
export type StoreRecord = z.infer<typeof recordSchema>;

/** A file as the log holds it after replay. */
export interface StoredFile extends FileRecord {
  /** Base64 vectors, one per chunk, when embedded with {@link embeddingModel} for this content. */
  readonly vectors?: readonly string[];
  readonly embeddingModel?: string;
}

/** What loading found. */
export interface LoadedLog {
  readonly files: Map<string, StoredFile>;
  /** Lines dropped: a torn last record, or lines that were not valid records. */
  readonly dropped: number;
  /** False when the log was missing or of another format version (the caller then rebuilds). */
  readonly compatible: boolean;
  /** Valid records read, to tell how much of the log is superseded. */
  readonly records: number;
  /**
   * The snapshot the index starts from, when one matched the log: `files` then holds nothing and `tail` the records
   * appended after the snapshot, to apply on top of it in order.
   */
  readonly snapshot?: IndexSnapshot;
  readonly tail: readonly Exclude<StoreRecord, { t: 'h' }>[];
  /** Why a snapshot on disk was not used (undefined when it was, or when there was none). */
  readonly snapshotIgnored?: string;
}

export class IndexStore {
  private queue: Promise<unknown> = Promise.resolve();
  private checkedTail = false;
  /** The id in the log's header, once read or written. */
  private logId: string | undefined;
  /** The snapshot file, beside the log. */
  readonly snapshotFile: string;

  constructor(readonly file: string) {
    this.snapshotFile = `${file.replace(/\.jsonl$/, '')}.snapshot`;
  }

  /**
   * Loads the index: the snapshot plus the log records after it when the snapshot matches the log, else the whole
   * log replayed. A missing, torn or foreign log or snapshot never throws: it loads what is valid.
   */
  load(): Promise<LoadedLog> {
    return this.enqueue(async () => {
      const { snapshot, reason } = await this.readSnapshot();
      if (snapshot !== undefined) {
        const tail = await this.readTail(snapshot);
        if (typeof tail !== 'string') {
          return { files: new Map(), dropped: tail.dropped, compatible: true, records: tail.records.length, snapshot, tail: tail.records };
        }
        return { ...(await this.readLog()), snapshotIgnored: tail };
      }
      return { ...(await this.readLog()), ...(reason === undefined ? {} : { snapshotIgnored: reason }) };
    });
  }

  private async readSnapshot(): Promise<{ readonly snapshot?: IndexSnapshot; readonly reason?: string }> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.snapshotFile);
    } catch {
      return {};
    }
    const decoded = decodeSnapshot(bytes);
    return 'snapshot' in decoded ? { snapshot: decoded.snapshot } : { reason: `the snapshot ${this.snapshotFile} was not used: ${decoded.reason}` };
  }

  /** The log's records after the snapshot, or why the snapshot does not belong to this log. */
  private async readTail(snapshot: IndexSnapshot): Promise<{ readonly records: Exclude<StoreRecord, { t: 'h' }>[]; readonly dropped: number } | string> {
    const stale = `the snapshot ${this.snapshotFile} was not used: it was taken from another log than ${this.file}`;
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return stale;
    }
    try {
      const size = (await handle.stat()).size;
      const first = Buffer.alloc(Math.min(size, 256));
      await handle.read(first, 0, first.length, 0);
      const newline = first.indexOf(0x0a);
      const header = newline < 0 ? undefined : parseRecord(first.subarray(0, newline).toString('utf8'));
      if (header?.t !== 'h' || header.v !== indexFormatVersion || header.id !== snapshot.logId || size < snapshot.logBytes) {
        return stale;
      }
      this.logId = header.id;
      const rest = Buffer.alloc(size - snapshot.logBytes);
      await handle.read(rest, 0, rest.length, snapshot.logBytes);
      const complete = rest.lastIndexOf(0x0a) + 1;
      let dropped = complete < rest.length ? 1 : 0;
      const records: Exclude<StoreRecord, { t: 'h' }>[] = [];
      for (const line of rest.subarray(0, complete).toString('utf8').split('\n').slice(0, -1)) {
        const record = parseRecord(line);
        if (record === undefined || record.t === 'h') {
          dropped++;
        } else {
          records.push(record);
        }
      }
      return { records, dropped };
    } finally {
      await handle.close();
    }
  }

  private async readLog(): Promise<LoadedLog> {
    const files = new Map<string, StoredFile>();
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch {
      return { files, dropped: 0, compatible: false, records: 0, tail: [] };
    }
    const complete = bytes.lastIndexOf(0x0a) + 1;
    let dropped = complete < bytes.length ? 1 : 0;
    let compatible = false;
    let records = 0;
    const text = bytes.subarray(0, complete).toString('utf8');
    let start = 0;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      const line = text.slice(start, end);
      start = end + 1;
      const record = parseRecord(line);
      if (record === undefined) {
        dropped++;
        continue;
      }
      records++;
      if (record.t === 'h') {
        compatible = record.v === indexFormatVersion;
        this.logId = record.id;
        if (!compatible) {
          return { files: new Map(), dropped, compatible, records, tail: [] };
        }
      } else {
        apply(files, record);
      }
    }
    return { files, dropped, compatible, records, tail: [] };
  }

  /**
   * Writes a snapshot of the index as it is after every record appended so far: `take` is called (synchronously,
   * in the write queue, so no append slips in between) with the log's id and length, after the log is synced up
   * to there, and its result replaces the snapshot file atomically. Returns the snapshot's size in bytes.
   */
  writeSnapshot(take: (logId: string, logBytes: number) => IndexSnapshot): Promise<number> {
    return this.enqueue(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await this.cutTornTail();
      const handle = await open(this.file, 'a+');
      let logBytes: number;
      try {
        logBytes = (await handle.stat()).size;
        if (logBytes > 0 && this.logId === undefined) {
          const first = Buffer.alloc(Math.min(logBytes, 256));
          await handle.read(first, 0, first.length, 0);
          const header = parseRecord(first.subarray(0, Math.max(0, first.indexOf(0x0a))).toString('utf8'));
          this.logId = header?.t === 'h' && header.v === indexFormatVersion ? header.id : undefined;
        }
        if (logBytes === 0 || this.logId === undefined) {
          // A log without a header (none yet) or one whose id is unknown (written by a version without ids) is
          // started afresh: its records are all in the snapshot about to be written.
          await handle.truncate(0);
          await handle.write(this.header());
          logBytes = (await handle.stat()).size;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const bytes = encodeSnapshot(take(this.logId ?? '', logBytes));
      await writeFileAtomic(this.snapshotFile, bytes);
      return bytes.length;
    });
  }

  /** A fresh log's header line, with a new id. */
  private header(): string {
    this.logId = randomBytes(8).toString('hex');
    return `${JSON.stringify({ t: 'h', v: indexFormatVersion, id: this.logId })}\n`;
  }

  /** Appends records (written, not synced: see the comment inside). Starts a fresh log (with its header) if none exists. */
  async append(records: readonly StoreRecord[]): Promise<void> {
    if (records.length === 0) {
      return;
    }
    await this.enqueue(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await this.cutTornTail();
      const handle = await open(this.file, 'a');
      try {
        const size = (await handle.stat()).size;
        const header = size === 0 ? this.header() : '';
        // No fsync: the log is a cache of the files themselves. A record lost in a crash is a file re-read at the
        // next start, and a torn one is cut off (see the header); syncing every save would only cost the user's disk.
        await handle.write(header + records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      } finally {
        await handle.close();
      }
    });
  }

  /** Size of the log in bytes (0 when missing). */
  async size(): Promise<number> {
    try {
      return (await stat(this.file)).size;
    } catch {
      return 0;
    }
  }

  /**
   * Rewrites the log with one record per live file (those `keep` accepts), atomically. Reads the log back rather than
   * taking the records from memory: the index does not keep term counts in memory once they are in the BM25 postings.
   */
  async compact(keep: (file: StoredFile) => boolean): Promise<void> {
    await this.enqueue(async () => {
      const { files } = await this.readLog();
      // A new id: a snapshot of the old log no longer matches (the caller writes a new one).
      const lines = [this.header().trimEnd()];
      for (const file of files.values()) {
        if (!keep(file)) {
          continue;
        }
        lines.push(...recordsOf(file).map((r) => JSON.stringify(r)));
      }
      await writeFileAtomic(this.file, `${lines.join('\n')}\n`);
      this.checkedTail = true;
    });
  }

  /** Deletes the log and the snapshot (for a rebuild from scratch). */
  async clear(): Promise<void> {
    await this.enqueue(async () => {
      // The snapshot first: a crash in between leaves a log without snapshot, never a snapshot of a deleted log.
      await rm(this.snapshotFile, { force: true });
      await rm(this.file, { force: true });
      this.logId = undefined;
    });
  }

  /**
   * Once per process: if the last write was torn, cut the file back to its last complete line. Reads the log
   * backwards from its end a block at a time, so a whole log is never read on a save (usually one small read).
   */
  private async cutTornTail(): Promise<void> {
    if (this.checkedTail) {
      return;
    }
    this.checkedTail = true;
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return;
    }
    let complete = 0;
    let size = 0;
    try {
      size = (await handle.stat()).size;
      const block = Buffer.alloc(64 * 1024);
      for (let end = size; end > 0 && complete === 0; end -= block.length) {
        const start = Math.max(0, end - block.length);
        const { bytesRead } = await handle.read(block, 0, end - start, start);
        const newline = block.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (newline >= 0) {
          complete = start + newline + 1;
        }
      }
    } finally {
      await handle.close();
    }
    if (complete < size) {
      await truncate(this.file, complete);
    }
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The records that rebuild a stored file. */
export function recordsOf(file: StoredFile): StoreRecord[] {
  const records: StoreRecord[] = [{ t: 'f', p: file.path, s: file.size, m: file.mtimeMs, h: file.hash, c: file.chunks.map(encodeChunk), w: [...file.terms] }];
  if (file.vectors !== undefined && file.embeddingModel !== undefined) {
    records.push({ t: 'e', p: file.path, h: file.hash, model: file.embeddingModel, v: [...file.vectors] });
  }
  return records;
}

function parseRecord(line: string): StoreRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  // File records are most of the log and most of a restart: checked by hand, field by field, which is several times
  // faster than the schema on records this large. Everything else goes through the schema.
  if (isFileRecord(value)) {
    return value;
  }
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

type FileRecordLine = Extract<StoreRecord, { t: 'f' }>;

function isFileRecord(value: unknown): value is FileRecordLine {
  if (typeof value !== 'object' || value === null || !('t' in value) || value.t !== 'f') {
    return false;
  }
  const v: { [key: string]: unknown } = { ...value };
  return (
    typeof v.p === 'string' &&
    typeof v.s === 'number' &&
    typeof v.m === 'number' &&
    typeof v.h === 'string' &&
    Array.isArray(v.w) &&
    v.w.every((w) => typeof w === 'string') &&
    Array.isArray(v.c) &&
    v.c.every(isChunkTuple)
  );
}

function apply(files: Map<string, StoredFile>, record: Exclude<StoreRecord, { t: 'h' }>): void {
  switch (record.t) {
    case 'f':
      if (record.c.length === record.w.length) {
        files.set(record.p, { path: record.p, size: record.s, mtimeMs: record.m, hash: record.h, chunks: record.c.map(decodeChunk), terms: record.w });
      }
      break;
    case 'm': {
      const file = files.get(record.p);
      if (file !== undefined) {
        files.set(record.p, { ...file, size: record.s, mtimeMs: record.m });
      }
      break;
    }
    case 'd':
      files.delete(record.p);
      break;
    case 'e': {
      const file = files.get(record.p);
      if (file !== undefined && file.hash === record.h && file.chunks.length === record.v.length) {
        files.set(record.p, { ...file, vectors: record.v, embeddingModel: record.model });
      }
      break;
    }
  }
}
