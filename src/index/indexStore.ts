/**
 * The index on disk: an append-only log of JSON lines, one record per indexed file (its chunks and their term
 * counts), per metadata refresh, per deletion and per file's embeddings; the last record of a path wins.
 *
 * Crash safety: a write interrupted at any byte leaves a last line without its newline (or a line that is not valid
 * JSON); loading drops it and keeps every record before it, and the next append first cuts the file back to its
 * last complete line, so nothing is ever glued to a torn record. Compaction rewrites the log with only the live
 * records through an atomic replace (temp file + fsync + rename), so a crash during it leaves the old log whole.
 * Pure: no `vscode` import.
 */
import { mkdir, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomicFile';
import type { ChunkMeta, FileRecord } from './types';

/** Bump when the record format or the chunking changes: an index of another version is rebuilt. */
export const indexFormatVersion = 1;

const chunkSchema = z.tuple([z.number().int().min(1), z.number().int().min(1), z.enum(['d', 'l']), z.string()]);
const recordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('h'), v: z.number() }),
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
}

/** Converts chunk metadata to its compact record form and back. */
export function encodeChunk(chunk: ChunkMeta): z.infer<typeof chunkSchema> {
  return [chunk.startLine, chunk.endLine, chunk.kind === 'definition' ? 'd' : 'l', chunk.symbols.join('|')];
}

function decodeChunk([startLine, endLine, kind, symbols]: z.infer<typeof chunkSchema>): ChunkMeta {
  return { startLine, endLine: Math.max(startLine, endLine), kind: kind === 'd' ? 'definition' : 'lines', symbols: symbols === '' ? [] : symbols.split('|') };
}

export class IndexStore {
  private queue: Promise<unknown> = Promise.resolve();
  private checkedTail = false;

  constructor(readonly file: string) {}

  /** Reads and replays the log. A missing, torn or foreign log never throws: it loads what is valid. */
  load(): Promise<LoadedLog> {
    return this.enqueue(() => this.readLog());
  }

  private async readLog(): Promise<LoadedLog> {
    const files = new Map<string, StoredFile>();
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch {
      return { files, dropped: 0, compatible: false, records: 0 };
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
        if (!compatible) {
          return { files: new Map(), dropped, compatible, records };
        }
      } else {
        apply(files, record);
      }
    }
    return { files, dropped, compatible, records };
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
        const header = size === 0 ? `${JSON.stringify({ t: 'h', v: indexFormatVersion })}\n` : '';
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
      const lines = [JSON.stringify({ t: 'h', v: indexFormatVersion })];
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

  /** Deletes the log (for a rebuild from scratch). */
  async clear(): Promise<void> {
    await this.enqueue(() => rm(this.file, { force: true }));
  }

  /** Once per process: if the last write was torn, cut the file back to its last complete line. */
  private async cutTornTail(): Promise<void> {
    if (this.checkedTail) {
      return;
    }
    this.checkedTail = true;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch {
      return;
    }
    const complete = bytes.lastIndexOf(0x0a) + 1;
    if (complete < bytes.length) {
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

function isChunkTuple(c: unknown): c is z.infer<typeof chunkSchema> {
  return (
    Array.isArray(c) &&
    c.length === 4 &&
    Number.isInteger(c[0]) &&
    c[0] >= 1 &&
    Number.isInteger(c[1]) &&
    c[1] >= 1 &&
    (c[2] === 'd' || c[2] === 'l') &&
    typeof c[3] === 'string'
  );
}

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
