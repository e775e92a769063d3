/**
 * The workspace index: restores itself from its log, brings itself up to date with the files of every folder of
 * the workspace (re-reading only those whose size or mtime changed, and re-chunking only those whose hash changed),
 * follows saves, creations, deletions and renames one file at a time, embeds chunks in the background when an
 * embedding model is available, and answers queries with BM25, plus vector similarity fused by reciprocal rank when
 * there are embeddings.
 * Chunk texts are not kept in memory: results carry file and lines, and {@link WorkspaceIndex.readChunk} reads them.
 * After a build that changed anything it writes a snapshot (see `snapshot.ts`), so the next start loads in one read
 * instead of replaying the log. Reading a file is `fileIndexer.ts`, the log's bookkeeping `indexPersistence.ts`,
 * embeddings `indexEmbeddings.ts`, the folders and their keys `roots.ts`.
 * Pure: no `vscode` import.
 */
import { readFile } from 'node:fs/promises';
import { chunkFile } from './chunker';
import type { Embedder } from './embedder';
import type { Exclusions } from './exclusions';
import type { FileLoad } from './fileIndexer';
import { chunkForIndex, loadForIndex } from './fileIndexer';
import type { LiveFile } from './indexState';
import { reciprocalRankFusion } from './fusion';
import { IndexEmbeddings } from './indexEmbeddings';
import { IndexPersistence } from './indexPersistence';
import { IndexState } from './indexState';
import type { IndexStore, StoreRecord } from './indexStore';
import type { GrammarName } from './languages';
import { languageFor } from './languages';
import type { ChunkSizes } from './lineWindows';
import { defaultChunkSizes } from './lineWindows';
import type { IndexRoot } from './roots';
import { IndexRoots } from './roots';
import { Throttle } from './throttle';
import { countTerms, encodeTerms } from './tokenize';
import { encodeChunk } from './chunkCodec';
import type { TreeSitterGrammars } from './treeSitter';
import type { BuildSummary, ChunkMeta, ChunkRef, IndexStatus, LoadSummary, ProgressListener, SearchHit, UpdateOutcome } from './types';

export type { BuildSummary, IndexStatus, LoadSummary, ProgressListener, UpdateOutcome } from './types';

interface CommonOptions {
  readonly store: IndexStore;
  /** Without grammars every file is cut into line windows. */
  readonly grammars?: TreeSitterGrammars;
  readonly throttle?: Throttle;
  readonly sizes?: ChunkSizes;
  readonly log?: (message: string) => void;
}

/** One folder (`root`, keys are paths in it), or several (`roots`, keys start with the folder's name). */
export type WorkspaceIndexOptions = CommonOptions & ({ readonly root: string; readonly exclusions: Exclusions } | { readonly roots: readonly IndexRoot[] });

/** Records appended during a build are written in batches of this many. */
const appendBatch = 200;
/** Candidates each ranker contributes to the fusion. */
const fusionDepth = 50;
/** How long after the save that made it due a postings compaction runs. */
const compactionDelayMs = 2000;

export class WorkspaceIndex {
  private readonly state = new IndexState();
  private readonly files = this.state.files;
  private readonly roots: IndexRoots;
  private readonly sizes: ChunkSizes;
  private readonly throttle: Throttle;
  private readonly persistence: IndexPersistence;
  private readonly embeddings: IndexEmbeddings;
  /** Grammars this process has parsed a file with (see {@link warmParsers}). */
  private readonly warmGrammars = new Set<GrammarName>();
  /** A BM25 compaction waiting for the event loop to be free (see {@link compactLater}). */
  private compaction: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: WorkspaceIndexOptions) {
    this.roots = new IndexRoots('roots' in options ? options.roots : [{ name: '', path: options.root, exclusions: options.exclusions }]);
    this.sizes = options.sizes ?? defaultChunkSizes;
    this.throttle = options.throttle ?? new Throttle();
    this.persistence = new IndexPersistence(options.store, this.state, options.log);
    this.embeddings = new IndexEmbeddings(this.state, this.persistence, this.throttle, (key) => this.roots.resolve(key)?.absolute, options.log);
  }

  /**
   * Restores the index from its snapshot and the log records after it, or from the whole log when the snapshot
   * cannot be used (said in the log, with the reason). Returns how many files came back.
   */
  load(): Promise<LoadSummary> {
    return this.persistence.load();
  }

  /** Sets (or clears) the embedding model. Vectors of another model are forgotten (and embedded again by {@link embedPending}). */
  setEmbedder(embedder: Embedder | undefined): void {
    this.embeddings.setEmbedder(embedder);
  }

  status(): IndexStatus {
    return { files: this.files.size, chunks: this.state.bm25.size, embeddedChunks: this.state.vectors.size, embeddingModel: this.embeddings.model, lastUpdated: this.state.lastUpdated };
  }

  /** Walks every folder and brings the index up to date, throttled. Rejects with the abort reason when cancelled. */
  async build(signal?: AbortSignal, onProgress?: ProgressListener): Promise<BuildSummary> {
    const found = await this.roots.walk(this.throttle, signal);
    const pending: StoreRecord[] = [];
    const summary = { scanned: found.length, indexed: 0, unchanged: 0, removed: 0, excluded: 0 };
    const seen = new Set<string>();
    // The next file is read from disk while this one is chunked: the disk's latency hides behind the CPU work.
    let next = this.prefetch(found[0]);
    try {
      for (let i = 0; i < found.length; i++) {
        const current = next;
        next = this.prefetch(found[i + 1]);
        const outcome = await this.refresh(found[i], pending, current);
        seen.add(found[i]);
        summary[outcome]++;
        if (pending.length >= appendBatch) {
          await this.persistence.append(pending.splice(0));
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
      // A read started for a file the cancelled build never reached: nothing waits for it.
      void next?.load.catch(() => undefined);
      await this.persistence.append(pending.splice(0));
    }
    await this.persistence.compactIfWorthIt();
    await this.persistence.snapshotIfChanged();
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
    for (const [key, file] of this.files) {
      const grammar = languageFor(key)?.grammar;
      if (grammar !== undefined && !this.warmGrammars.has(grammar) && (samples.get(grammar) === undefined || file.size < (this.files.get(samples.get(grammar) ?? '')?.size ?? 0))) {
        samples.set(grammar, key);
      }
    }
    for (const [grammar, key] of samples) {
      this.warmGrammars.add(grammar);
      const absolute = this.roots.resolve(key)?.absolute;
      try {
        if (absolute !== undefined) {
          await chunkFile(key, await readFile(absolute, 'utf8'), this.options.grammars, this.sizes);
        }
      } catch {
        // A file gone since is no loss: the first save of that language just pays the cost.
      }
      await this.throttle.pause(signal);
    }
  }

  /** Re-indexes one file after a save or creation (or drops it when it is gone or now excluded). */
  async update(key: string): Promise<UpdateOutcome> {
    const pending: StoreRecord[] = [];
    const outcome = (await this.roots.excluded(key)) ? this.dropExcluded(key, pending) : await this.refresh(key, pending);
    await this.persistence.append(pending);
    this.compactLater();
    return outcome;
  }

  /** Drops a deleted file (or every file under a deleted folder). */
  async remove(key: string): Promise<number> {
    const pending: StoreRecord[] = [];
    const prefix = `${key}/`;
    for (const known of [...this.files.keys()]) {
      if (known === key || known.startsWith(prefix)) {
        this.forget(known, pending);
      }
    }
    await this.persistence.append(pending);
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
    const semantic = await this.embeddings.search(query, fusionDepth, signal);
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
    const absolute = this.roots.resolve(ref.path)?.absolute;
    if (absolute === undefined) {
      return undefined;
    }
    try {
      const text = await readFile(absolute, 'utf8');
      return text.split(/\r?\n/).slice(ref.startLine - 1, ref.endLine).join('\n');
    } catch {
      return undefined;
    }
  }

  /**
   * Embeds every chunk that has no vector for the current model, a batch at a time, throttled, saving each file's
   * vectors as it completes. Rejects with the server's error (the caller reports it and stays lexical).
   */
  embedPending(signal?: AbortSignal, onProgress?: ProgressListener): Promise<number> {
    return this.embeddings.embedPending(signal, onProgress);
  }

  /**
   * Chunks that define `name` (a symbol of that name, or a member `Outer.name`), definitions first: for Explain and
   * Review when the language server gives none. A scan of the chunk list: a few milliseconds even at 60,000 chunks.
   */
  definitionsOf(name: string, limit = 2): ChunkRef[] {
    const suffix = `.${name}`;
    const found: ChunkRef[] = [];
    for (const [key, file] of this.files) {
      for (const chunk of file.chunks) {
        if (chunk.symbols.some((s) => s === name || s.endsWith(suffix))) {
          found.push({ path: key, ...chunk });
        }
      }
    }
    return found.sort((a, b) => Number(b.kind === 'definition') - Number(a.kind === 'definition') || a.path.localeCompare(b.path) || a.startLine - b.startLine).slice(0, limit);
  }

  /** All indexed keys (for tests and the status command). */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The chunks of one file, undefined when it is not indexed. */
  chunksOf(key: string): readonly ChunkMeta[] | undefined {
    return this.files.get(key)?.chunks;
  }

  /** Starts reading a file from disk for {@link refresh} (undefined past the end of the list, or for a key of no folder). */
  private prefetch(key: string | undefined): { readonly known: LiveFile | undefined; readonly load: Promise<FileLoad> } | undefined {
    const resolved = key === undefined ? undefined : this.roots.resolve(key);
    if (key === undefined || resolved === undefined) {
      return undefined;
    }
    const known = this.files.get(key);
    return { known, load: loadForIndex(resolved.absolute, known, resolved.root.exclusions.maxFileBytes) };
  }

  /** Indexes one file if it changed; queues the log records. `prefetched`: its disk step, already started. */
  private async refresh(key: string, pending: StoreRecord[], prefetched?: ReturnType<WorkspaceIndex['prefetch']>): Promise<UpdateOutcome> {
    const resolved = this.roots.resolve(key);
    if (resolved === undefined) {
      return this.dropExcluded(key, pending);
    }
    const known = this.files.get(key);
    // A prefetch made against what the index knew then: used only if that is still what it knows.
    const load = prefetched !== undefined && prefetched.known === known ? await prefetched.load : await loadForIndex(resolved.absolute, known, resolved.root.exclusions.maxFileBytes);
    const reading = load.kind === 'read' ? await chunkForIndex(key, load, { maxFileBytes: resolved.root.exclusions.maxFileBytes, grammars: this.options.grammars, sizes: this.sizes }) : load;
    switch (reading.kind) {
      case 'gone':
        return known !== undefined ? (this.forget(key, pending), 'removed') : 'excluded';
      case 'excluded':
        return this.dropExcluded(key, pending);
      case 'unchanged':
        return 'unchanged';
      case 'touched':
        if (known !== undefined) {
          known.size = reading.size;
          known.mtimeMs = reading.mtimeMs;
          pending.push({ t: 'm', p: key, s: reading.size, m: reading.mtimeMs });
          this.persistence.supersede();
        }
        return 'unchanged';
      case 'changed': {
        const grammar = languageFor(key)?.grammar;
        if (grammar !== undefined) {
          this.warmGrammars.add(grammar);
        }
        if (known !== undefined) {
          this.persistence.supersede();
        }
        this.state.drop(key);
        const { meta, terms } = reading;
        this.state.insert(key, meta, (k) => this.state.bm25.add(terms[k]));
        pending.push({ t: 'f', p: key, s: meta.size, m: meta.mtimeMs, h: meta.hash, c: meta.chunks.map(encodeChunk), w: terms.map(encodeTerms) });
        return 'indexed';
      }
    }
  }

  private dropExcluded(key: string, pending: StoreRecord[]): UpdateOutcome {
    if (this.files.has(key)) {
      this.forget(key, pending);
    }
    return 'excluded';
  }

  /** Removes a file from memory and queues its deletion record. */
  private forget(key: string, pending: StoreRecord[]): void {
    this.state.drop(key);
    pending.push({ t: 'd', p: key });
    this.persistence.supersede(2);
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
}
