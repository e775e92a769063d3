/**
 * The workspace index: restores itself from its log, brings itself up to date with the files (re-reading only those
 * whose size or mtime changed, and re-chunking only those whose hash changed), follows saves, creations, deletions
 * and renames one file at a time, embeds chunks in the background when an embedding model is available, and answers
 * queries with BM25, plus vector similarity fused by reciprocal rank when there are embeddings.
 * Chunk texts are not kept in memory: results carry file and lines, and {@link WorkspaceIndex.readChunk} reads them.
 * After a build that changed anything it writes a snapshot (see `snapshot.ts`), so the next start loads in one read
 * instead of replaying the log.
 * Pure: no `vscode` import.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { encodeChunk } from './chunkCodec';
import { chunkFile } from './chunker';
import type { Embedder } from './embedder';
import { maxEmbeddedChars } from './embedder';
import type { Exclusions } from './exclusions';
import { looksBinary } from './exclusions';
import type { GrammarName } from './languages';
import { languageFor } from './languages';
import { reciprocalRankFusion } from './fusion';
import type { LiveFile } from './indexState';
import { IndexState } from './indexState';
import type { IndexStore, StoreRecord } from './indexStore';
import type { ChunkSizes } from './lineWindows';
import { defaultChunkSizes } from './lineWindows';
import { Throttle } from './throttle';
import { walkWorkspace } from './walk';
import { countTerms, detach, encodeTerms } from './tokenize';
import type { TreeSitterGrammars } from './treeSitter';
import type { ChunkMeta, ChunkRef, SearchHit } from './types';
import { encodeVector, normalize } from './vectors';

export interface WorkspaceIndexOptions {
  /** Absolute path of the workspace folder. */
  readonly root: string;
  readonly store: IndexStore;
  readonly exclusions: Exclusions;
  /** Without grammars every file is cut into line windows. */
  readonly grammars?: TreeSitterGrammars;
  readonly throttle?: Throttle;
  readonly sizes?: ChunkSizes;
  readonly log?: (message: string) => void;
}

/** The index's state, for the status bar and the status command. */
export interface IndexStatus {
  readonly files: number;
  readonly chunks: number;
  readonly embeddedChunks: number;
  /** The embedding model in use, undefined when lexical only. */
  readonly embeddingModel: string | undefined;
  /** Epoch ms of the last change to the index, undefined before any. */
  readonly lastUpdated: number | undefined;
}

/** What a build did. */
export interface BuildSummary {
  readonly scanned: number;
  readonly indexed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly excluded: number;
}

/** Progress of a build: files looked at out of files found. */
export type ProgressListener = (done: number, total: number) => void;

/** How one file's update went. */
export type UpdateOutcome = 'indexed' | 'unchanged' | 'removed' | 'excluded';

/** What a restart loaded. */
export interface LoadSummary {
  readonly files: number;
  /** Log lines dropped: a torn last record, or lines that were not valid records. */
  readonly dropped: number;
  /** True when it started from the snapshot (and replayed only the log records after it). */
  readonly fromSnapshot: boolean;
}

/** Records appended during a build are written in batches of this many. */
const appendBatch = 200;
/** Candidates each ranker contributes to the fusion. */
const fusionDepth = 50;
/** Chunks embedded per request. */
const embedBatch = 16;
/** How long after the save that made it due a postings compaction runs. */
const compactionDelayMs = 2000;
/** Symbol names weigh like this many occurrences in the chunk's text. */
const symbolWeight = 3;

export class WorkspaceIndex {
  private readonly state = new IndexState();
  private readonly files = this.state.files;
  private readonly sizes: ChunkSizes;
  private readonly throttle: Throttle;
  private embedder: Embedder | undefined;
  /** Log records that a later one replaced: compaction pays once there are enough. */
  private superseded = 0;
  /** Log records appended since the snapshot on disk was taken (or true-ish when there is none). */
  private unsnapshotted = 1;
  /** Grammars this process has parsed a file with (see {@link warmParsers}). */
  private readonly warmGrammars = new Set<GrammarName>();
  /** A BM25 compaction waiting for the event loop to be free (see {@link compactLater}). */
  private compaction: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: WorkspaceIndexOptions) {
    this.sizes = options.sizes ?? defaultChunkSizes;
    this.throttle = options.throttle ?? new Throttle();
  }

  /**
   * Restores the index from its snapshot and the log records after it, or from the whole log when the snapshot
   * cannot be used (said in the log, with the reason). Returns how many files came back.
   */
  async load(): Promise<LoadSummary> {
    const loaded = await this.options.store.load();
    if (loaded.snapshotIgnored !== undefined) {
      this.options.log?.(`index: ${loaded.snapshotIgnored}; restoring from the log instead (nothing is lost, the start is slower)`);
    }
    if (!loaded.compatible) {
      await this.options.store.clear();
      return { files: 0, dropped: loaded.dropped, fromSnapshot: false };
    }
    if (loaded.snapshot !== undefined) {
      this.state.restoreSnapshot(loaded.snapshot);
      loaded.tail.forEach((record) => this.state.apply(record));
      this.superseded = loaded.tail.length;
      this.unsnapshotted = loaded.tail.length;
    } else {
      for (const file of loaded.files.values()) {
        this.state.restoreStored(file);
      }
      this.superseded = Math.max(0, loaded.records - 1 - loaded.files.size);
    }
    return { files: this.files.size, dropped: loaded.dropped, fromSnapshot: loaded.snapshot !== undefined };
  }

  /** Sets (or clears) the embedding model. Vectors of another model are forgotten (and embedded again by {@link embedPending}). */
  setEmbedder(embedder: Embedder | undefined): void {
    for (const file of this.files.values()) {
      if (file.embeddingModel !== undefined && file.embeddingModel !== embedder?.model) {
        file.embeddingModel = undefined;
        this.state.docsOf(file).forEach((doc) => this.state.vectors.delete(doc));
      }
    }
    this.embedder = embedder;
  }

  status(): IndexStatus {
    return { files: this.files.size, chunks: this.state.bm25.size, embeddedChunks: this.state.vectors.size, embeddingModel: this.embedder?.model, lastUpdated: this.state.lastUpdated };
  }

  /** Walks the workspace and brings the index up to date, throttled. Rejects with the abort reason when cancelled. */
  async build(signal?: AbortSignal, onProgress?: ProgressListener): Promise<BuildSummary> {
    const found = await walkWorkspace(this.options.root, this.options.exclusions, this.throttle, signal);
    const pending: StoreRecord[] = [];
    const summary = { scanned: found.length, indexed: 0, unchanged: 0, removed: 0, excluded: 0 };
    const seen = new Set<string>();
    try {
      for (let i = 0; i < found.length; i++) {
        const outcome = await this.refresh(found[i], pending);
        seen.add(found[i]);
        summary[outcome]++;
        if (pending.length >= appendBatch) {
          await this.append(pending.splice(0));
        }
        onProgress?.(i + 1, found.length);
        await this.throttle.pause(signal);
      }
      for (const known of [...this.files.keys()]) {
        if (!seen.has(known)) {
          this.forget(known, pending);
          summary.removed++;
        }
      }
    } finally {
      await this.append(pending.splice(0));
    }
    await this.compactIfWorthIt();
    await this.snapshotIfChanged();
    await this.warmParsers(signal);
    return summary;
  }

  /**
   * After a restart that re-read nothing, no parser has run yet: the first save of each language would pay for
   * loading its grammar and for WebAssembly code that has not warmed up (a few hundred milliseconds on this
   * machine's first save, against ~10 ms after). Chunking one indexed file per language, results discarded, moves
   * that cost here, before the user saves.
   */
  private async warmParsers(signal?: AbortSignal): Promise<void> {
    if (this.options.grammars === undefined) {
      return;
    }
    const samples = new Map<GrammarName, string>();
    for (const [relativePath, file] of this.files) {
      const grammar = languageFor(relativePath)?.grammar;
      if (grammar !== undefined && !this.warmGrammars.has(grammar) && (samples.get(grammar) === undefined || file.size < (this.files.get(samples.get(grammar) ?? '')?.size ?? 0))) {
        samples.set(grammar, relativePath);
      }
    }
    for (const [grammar, relativePath] of samples) {
      this.warmGrammars.add(grammar);
      try {
        await chunkFile(relativePath, await readFile(path.join(this.options.root, relativePath), 'utf8'), this.options.grammars, this.sizes);
      } catch {
        // A file gone since is no loss: the first save of that language just pays the cost.
      }
      await this.throttle.pause(signal);
    }
  }

  /** Re-indexes one file after a save or creation (or drops it when it is gone or now excluded). */
  async update(relativePath: string): Promise<UpdateOutcome> {
    const pending: StoreRecord[] = [];
    const outcome = (await this.options.exclusions.excluded(relativePath)) ? this.dropExcluded(relativePath, pending) : await this.refresh(relativePath, pending);
    await this.append(pending);
    this.compactLater();
    return outcome;
  }

  /** Drops a deleted file (or every file under a deleted folder). */
  async remove(relativePath: string): Promise<number> {
    const pending: StoreRecord[] = [];
    const prefix = `${relativePath}/`;
    for (const known of [...this.files.keys()]) {
      if (known === relativePath || known.startsWith(prefix)) {
        this.forget(known, pending);
      }
    }
    await this.append(pending);
    this.compactLater();
    return pending.length;
  }

  /** Follows a rename (of a file or a folder): the old paths go, the new ones are indexed. */
  async rename(from: string, to: string): Promise<void> {
    const prefix = `${from}/`;
    const moved = [...this.files.keys()].filter((p) => p === from || p.startsWith(prefix)).map((p) => to + p.slice(from.length));
    await this.remove(from);
    for (const target of moved.length > 0 ? moved : [to]) {
      await this.update(target);
    }
  }

  /** The best chunks for a question: BM25, fused with vector similarity when embeddings are there. */
  async search(query: string, limit = 10, signal?: AbortSignal): Promise<SearchHit[]> {
    const lexical = this.state.bm25.search(countTerms(query), fusionDepth).map((s) => s.doc);
    let semantic: number[] = [];
    if (this.embedder !== undefined && this.state.vectors.size > 0) {
      try {
        const [vector] = await this.embedder.embed([query], signal);
        if (vector !== undefined) {
          semantic = this.state.vectors.search(normalize(vector), fusionDepth).map((s) => s.doc);
        }
      } catch (error) {
        this.options.log?.(`index: the query could not be embedded (${describe(error)}); lexical results only`);
      }
    }
    const hits: SearchHit[] = [];
    for (const fused of reciprocalRankFusion([lexical, semantic])) {
      const ref = this.state.ref(fused.key);
      if (ref !== undefined) {
        hits.push({ ...ref, score: fused.score, via: fused.from.map((f) => (f === 0 ? 'lexical' : 'vector')) });
      }
      if (hits.length >= limit) {
        break;
      }
    }
    return hits;
  }

  /** The current text of a chunk's lines, or undefined when the file can no longer be read. */
  async readChunk(ref: ChunkRef): Promise<string | undefined> {
    try {
      const text = await readFile(path.join(this.options.root, ref.path), 'utf8');
      return text.split(/\r?\n/).slice(ref.startLine - 1, ref.endLine).join('\n');
    } catch {
      return undefined;
    }
  }

  /**
   * Embeds every chunk that has no vector for the current model, a batch at a time, throttled, saving each file's
   * vectors as it completes. Rejects with the server's error (the caller reports it and stays lexical).
   */
  async embedPending(signal?: AbortSignal, onProgress?: ProgressListener): Promise<number> {
    const embedder = this.embedder;
    if (embedder === undefined) {
      return 0;
    }
    const todo = [...this.files.entries()].filter(([, f]) => f.embeddingModel !== embedder.model && f.chunks.length > 0);
    let embedded = 0;
    for (let i = 0; i < todo.length; i++) {
      const [relativePath, file] = todo[i];
      const texts = await this.chunkTexts(relativePath, file);
      if (texts === undefined || this.files.get(relativePath) !== file) {
        continue;
      }
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += embedBatch) {
        const batch = await embedder.embed(texts.slice(start, start + embedBatch), signal);
        if (batch.length !== Math.min(embedBatch, texts.length - start)) {
          throw new Error(`the embedding server returned ${batch.length} vectors for ${Math.min(embedBatch, texts.length - start)} texts`);
        }
        vectors.push(...batch.map((v) => normalize(v)));
        await this.throttle.pause(signal);
      }
      // The file may have changed while its chunks were embedded: those vectors would belong to old chunks.
      if (this.files.get(relativePath) !== file || this.embedder !== embedder) {
        continue;
      }
      this.state.docsOf(file).forEach((doc, k) => this.state.vectors.set(doc, vectors[k]));
      file.embeddingModel = embedder.model;
      embedded += vectors.length;
      await this.append([{ t: 'e', p: relativePath, h: file.hash, model: embedder.model, v: vectors.map(encodeVector) }]);
      this.superseded++;
      onProgress?.(i + 1, todo.length);
    }
    await this.snapshotIfChanged();
    return embedded;
  }

  /**
   * Chunks that define `name` (a symbol of that name, or a member `Outer.name`), definitions first: for Explain and
   * Review when the language server gives none. A scan of the chunk list: a few milliseconds even at 60,000 chunks.
   */
  definitionsOf(name: string, limit = 2): ChunkRef[] {
    const suffix = `.${name}`;
    const found: ChunkRef[] = [];
    for (const [relativePath, file] of this.files) {
      for (const chunk of file.chunks) {
        if (chunk.symbols.some((s) => s === name || s.endsWith(suffix))) {
          found.push({ path: relativePath, ...chunk });
        }
      }
    }
    return found.sort((a, b) => Number(b.kind === 'definition') - Number(a.kind === 'definition') || a.path.localeCompare(b.path) || a.startLine - b.startLine).slice(0, limit);
  }

  /** All indexed paths (for tests and the status command). */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The chunks of one file, undefined when it is not indexed. */
  chunksOf(relativePath: string): readonly ChunkMeta[] | undefined {
    return this.files.get(relativePath)?.chunks;
  }

  private async chunkTexts(relativePath: string, file: LiveFile): Promise<string[] | undefined> {
    try {
      const lines = (await readFile(path.join(this.options.root, relativePath), 'utf8')).split(/\r?\n/);
      return file.chunks.map((c) => `${relativePath}\n${lines.slice(c.startLine - 1, c.endLine).join('\n')}`.slice(0, maxEmbeddedChars));
    } catch {
      return undefined;
    }
  }

  /** Indexes one file if it changed; queues the log records. */
  private async refresh(relativePath: string, pending: StoreRecord[]): Promise<UpdateOutcome> {
    const absolute = path.join(this.options.root, relativePath);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      return this.files.has(relativePath) ? (this.forget(relativePath, pending), 'removed') : 'excluded';
    }
    if (!info.isFile() || info.size > this.options.exclusions.maxFileBytes) {
      return this.dropExcluded(relativePath, pending);
    }
    const known = this.files.get(relativePath);
    if (known !== undefined && known.size === info.size && known.mtimeMs === info.mtimeMs) {
      return 'unchanged';
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(absolute);
    } catch {
      return this.dropExcluded(relativePath, pending);
    }
    if (looksBinary(bytes)) {
      return this.dropExcluded(relativePath, pending);
    }
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (known !== undefined && known.hash === hash) {
      known.size = info.size;
      known.mtimeMs = info.mtimeMs;
      pending.push({ t: 'm', p: relativePath, s: info.size, m: info.mtimeMs });
      this.superseded++;
      return 'unchanged';
    }
    const chunks = await chunkFile(relativePath, bytes.toString('utf8'), this.options.grammars, this.sizes);
    const grammar = languageFor(relativePath)?.grammar;
    if (grammar !== undefined) {
      this.warmGrammars.add(grammar);
    }
    const terms = chunks.map((chunk) => {
      const counts = countTerms(chunk.text);
      countTerms(chunk.symbols.join(' '), counts, symbolWeight);
      countTerms(relativePath, counts);
      return counts;
    });
    if (known !== undefined) {
      this.superseded++;
    }
    this.state.drop(relativePath);
    // Symbol names come from the syntax tree as slices of the file's text: detached, so the text is not kept.
    const metas: ChunkMeta[] = chunks.map(({ startLine, endLine, symbols, kind }) => ({ startLine, endLine, symbols: symbols.map(detach), kind }));
    this.state.insert(relativePath, { size: info.size, mtimeMs: info.mtimeMs, hash, chunks: metas }, (k) => this.state.bm25.add(terms[k]));
    pending.push({ t: 'f', p: relativePath, s: info.size, m: info.mtimeMs, h: hash, c: metas.map(encodeChunk), w: terms.map(encodeTerms) });
    return 'indexed';
  }

  private dropExcluded(relativePath: string, pending: StoreRecord[]): UpdateOutcome {
    if (this.files.has(relativePath)) {
      this.forget(relativePath, pending);
    }
    return 'excluded';
  }

  /** Removes a file from memory and queues its deletion record. */
  private forget(relativePath: string, pending: StoreRecord[]): void {
    this.state.drop(relativePath);
    pending.push({ t: 'd', p: relativePath });
    this.superseded += 2;
    this.state.lastUpdated = Date.now();
  }

  /**
   * After saves and deletions have left enough dead chunks, compacts the postings a moment later rather than in the
   * save that crossed the line (a pass over every posting; the save returns first). A build compacts anyway.
   */
  private compactLater(): void {
    if (this.compaction !== undefined || !this.state.bm25.needsCompaction) {
      return;
    }
    this.compaction = setTimeout(() => {
      this.compaction = undefined;
      if (this.state.bm25.needsCompaction) {
        this.state.bm25.compact();
      }
    }, compactionDelayMs);
    this.compaction.unref?.();
  }

  /** Appends records to the log, counting them as not yet in the snapshot. */
  private async append(records: readonly StoreRecord[]): Promise<void> {
    await this.options.store.append(records);
    this.unsnapshotted += records.length;
  }

  /**
   * Writes a snapshot when the log holds records the snapshot on disk does not (a restart then loads in one read).
   * A failure is logged and changes nothing: the log still holds everything.
   */
  private async snapshotIfChanged(): Promise<void> {
    if (this.unsnapshotted === 0) {
      return;
    }
    const pending = this.unsnapshotted;
    try {
      await this.options.store.writeSnapshot((logId, logBytes) => this.state.snapshot(logId, logBytes));
      this.unsnapshotted -= pending;
    } catch (error) {
      this.options.log?.(`index: the snapshot could not be written (${describe(error)}); the next start replays the log`);
    }
  }

  private async compactIfWorthIt(): Promise<void> {
    if (this.superseded > Math.max(100, this.files.size / 2)) {
      await this.options.store.compact((stored) => this.files.get(stored.path)?.hash === stored.hash);
      this.superseded = 0;
      // The compacted log has a new id: the snapshot must be taken again.
      this.unsnapshotted++;
    }
  }

}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
