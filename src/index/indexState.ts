/**
 * The workspace index in memory: the files with their chunk metadata, which document id belongs to which chunk,
 * the BM25 postings and the vectors; and the ways it comes back from disk (a replayed log file, a log record, a
 * snapshot) and goes to disk (a snapshot). Keeping the chunk → document mapping as one owner per document (the
 * documents of a file are consecutive ids) rather than an object per chunk keeps it small at 60,000 chunks.
 * Pure: no `vscode` import.
 */
import { Bm25Index } from './bm25';
import { decodeChunk } from './chunkCodec';
import type { StoredFile, StoreRecord } from './indexStore';
import type { IndexSnapshot, SnapshotFile } from './snapshot';
import type { ChunkMeta, ChunkRef } from './types';
import { decodeVector, VectorIndex } from './vectors';

/** What the index keeps about one file. Its chunks are documents `firstDoc` … `firstDoc + chunks.length - 1`. */
export interface LiveFile {
  readonly path: string;
  size: number;
  mtimeMs: number;
  readonly hash: string;
  readonly chunks: readonly ChunkMeta[];
  readonly firstDoc: number;
  /** The model whose vectors every chunk of the file has, undefined when not embedded. */
  embeddingModel: string | undefined;
}

/** A file's metadata as it is inserted. */
export interface FileMeta {
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string;
  readonly chunks: readonly ChunkMeta[];
}

export class IndexState {
  readonly files = new Map<string, LiveFile>();
  /** The file each document id belongs to (undefined once removed). */
  private owners: (LiveFile | undefined)[] = [];
  bm25 = new Bm25Index();
  readonly vectors = new VectorIndex();
  /** Epoch ms of the last change, undefined before any. */
  lastUpdated: number | undefined;

  /** The chunk a document id stands for, with its file. */
  ref(doc: number): ChunkRef | undefined {
    const file = this.owners[doc];
    const chunk = file?.chunks[doc - file.firstDoc];
    return file === undefined || chunk === undefined ? undefined : { path: file.path, ...chunk };
  }

  /** The document ids of a file's chunks. */
  docsOf(file: LiveFile): number[] {
    return file.chunks.map((_chunk, k) => file.firstDoc + k);
  }

  /**
   * Adds a file (replacing nothing: {@link drop} it first). `addDoc(k)` adds chunk k's terms to BM25 and returns its
   * document id; the ids of one file are consecutive, as BM25 hands them out in order.
   */
  insert(relativePath: string, meta: FileMeta, addDoc: (k: number) => number, embedded?: { readonly model: string; readonly vectors: readonly Float32Array[] }): void {
    const docs = meta.chunks.map((_chunk, k) => addDoc(k));
    const file: LiveFile = { path: relativePath, size: meta.size, mtimeMs: meta.mtimeMs, hash: meta.hash, chunks: meta.chunks, firstDoc: docs[0] ?? -1, embeddingModel: embedded?.model };
    docs.forEach((doc, k) => {
      this.owners[doc] = file;
      if (embedded !== undefined) {
        this.vectors.set(doc, embedded.vectors[k]);
      }
    });
    this.files.set(relativePath, file);
    this.lastUpdated = Date.now();
  }

  /** Removes a file from memory (not from disk). */
  drop(relativePath: string): void {
    const file = this.files.get(relativePath);
    if (file === undefined) {
      return;
    }
    for (const doc of this.docsOf(file)) {
      this.bm25.remove(doc);
      this.vectors.delete(doc);
      this.owners[doc] = undefined;
    }
    this.files.delete(relativePath);
  }

  /** Adds a file replayed from the log. */
  restoreStored(file: StoredFile): void {
    const vectors = file.vectors?.map(decodeVector);
    const complete = vectors !== undefined && vectors.every((v) => v !== undefined) ? vectors.filter((v) => v !== undefined) : undefined;
    this.insert(file.path, file, (k) => this.bm25.addEncoded(file.terms[k]), complete === undefined ? undefined : { model: file.embeddingModel ?? '', vectors: complete });
  }

  /** Replaces the (empty) state with a snapshot's. */
  restoreSnapshot(snapshot: IndexSnapshot): void {
    this.bm25 = Bm25Index.fromArrays(snapshot.bm25);
    const { dims, data } = snapshot.vectors;
    let doc = 0;
    let vector = 0;
    for (const stored of snapshot.files) {
      const file: LiveFile = { path: stored.path, size: stored.size, mtimeMs: stored.mtimeMs, hash: stored.hash, chunks: stored.chunks, firstDoc: stored.chunks.length > 0 ? doc : -1, embeddingModel: stored.embeddingModel };
      for (let k = 0; k < stored.chunks.length; k++, doc++) {
        this.owners[doc] = file;
        if (stored.embeddingModel !== undefined) {
          this.vectors.set(doc, data.subarray(vector * dims, (vector + 1) * dims));
          vector++;
        }
      }
      this.files.set(stored.path, file);
    }
    this.lastUpdated = Date.now();
  }

  /** Applies one log record written after the snapshot (applying one the snapshot already holds changes nothing). */
  apply(record: Exclude<StoreRecord, { t: 'h' }>): void {
    switch (record.t) {
      case 'f':
        if (record.c.length === record.w.length) {
          this.drop(record.p);
          this.insert(record.p, { size: record.s, mtimeMs: record.m, hash: record.h, chunks: record.c.map(decodeChunk) }, (k) => this.bm25.addEncoded(record.w[k]));
        }
        break;
      case 'm': {
        const file = this.files.get(record.p);
        if (file !== undefined) {
          file.size = record.s;
          file.mtimeMs = record.m;
        }
        break;
      }
      case 'd':
        this.drop(record.p);
        break;
      case 'e': {
        const file = this.files.get(record.p);
        const vectors = record.v.map(decodeVector);
        if (file !== undefined && file.hash === record.h && file.chunks.length === vectors.length) {
          const complete = vectors.filter((v) => v !== undefined);
          if (complete.length === vectors.length) {
            this.docsOf(file).forEach((doc, k) => this.vectors.set(doc, complete[k]));
            file.embeddingModel = record.model;
          }
        }
        break;
      }
    }
  }

  /** The state as a snapshot (documents renumbered densely, in file order), naming the log it extends. */
  snapshot(logId: string, logBytes: number): IndexSnapshot {
    const newIds = new Int32Array(this.owners.length).fill(-1);
    const files: SnapshotFile[] = [];
    const vectors: Float32Array[] = [];
    let next = 0;
    for (const file of this.files.values()) {
      const docs = this.docsOf(file);
      const embedded = file.embeddingModel !== undefined && docs.every((doc) => this.vectors.get(doc) !== undefined);
      for (const doc of docs) {
        newIds[doc] = next++;
        const vector = this.vectors.get(doc);
        if (embedded && vector !== undefined) {
          vectors.push(vector);
        }
      }
      files.push({ path: file.path, size: file.size, mtimeMs: file.mtimeMs, hash: file.hash, chunks: file.chunks, ...(embedded ? { embeddingModel: file.embeddingModel } : {}) });
    }
    const dims = vectors[0]?.length ?? 0;
    const data = new Float32Array(dims * vectors.length);
    vectors.forEach((v, i) => data.set(v, i * dims));
    return { logId, logBytes, files, bm25: this.bm25.toArrays(newIds), vectors: { dims, data } };
  }
}
