/**
 * The index's embeddings: which model the vectors are of, embedding the chunks that have none (in the background,
 * throttled, a file's vectors saved as it completes), and the vector side of a search.
 * Pure: no `vscode` import.
 */
import { readFile } from 'node:fs/promises';
import type { Embedder } from './embedder';
import { maxEmbeddedChars } from './embedder';
import type { LiveFile, IndexState } from './indexState';
import type { IndexPersistence } from './indexPersistence';
import { describeError } from './indexPersistence';
import type { Throttle } from './throttle';
import type { ProgressListener } from './types';
import { encodeVector, normalize } from './vectors';

/** Chunks embedded per request. */
const embedBatch = 16;

export class IndexEmbeddings {
  private embedder: Embedder | undefined;

  constructor(
    private readonly state: IndexState,
    private readonly persistence: IndexPersistence,
    private readonly throttle: Throttle,
    /** The absolute path of a key, undefined when it belongs to no folder. */
    private readonly absolute: (key: string) => string | undefined,
    private readonly log: ((message: string) => void) | undefined,
  ) {}

  /** The embedding model in use, undefined when lexical only. */
  get model(): string | undefined {
    return this.embedder?.model;
  }

  /** Sets (or clears) the embedding model. Vectors of another model are forgotten (and embedded again by {@link embedPending}). */
  setEmbedder(embedder: Embedder | undefined): void {
    for (const file of this.state.files.values()) {
      if (file.embeddingModel !== undefined && file.embeddingModel !== embedder?.model) {
        file.embeddingModel = undefined;
        this.state.docsOf(file).forEach((doc) => this.state.vectors.delete(doc));
      }
    }
    this.embedder = embedder;
  }

  /** The documents nearest to the query's vector, best first; empty without embeddings or when the query fails. */
  async search(query: string, depth: number, signal?: AbortSignal): Promise<number[]> {
    if (this.embedder === undefined || this.state.vectors.size === 0) {
      return [];
    }
    try {
      const [vector] = await this.embedder.embed([query], signal);
      return vector === undefined ? [] : this.state.vectors.search(normalize(vector), depth).map((s) => s.doc);
    } catch (error) {
      this.log?.(`index: the query could not be embedded (${describeError(error)}); lexical results only`);
      return [];
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
    const todo = [...this.state.files.entries()].filter(([, f]) => f.embeddingModel !== embedder.model && f.chunks.length > 0);
    let embedded = 0;
    for (let i = 0; i < todo.length; i++) {
      const [key, file] = todo[i];
      const texts = await this.chunkTexts(key, file);
      if (texts === undefined || this.state.files.get(key) !== file) {
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
      if (this.state.files.get(key) !== file || this.embedder !== embedder) {
        continue;
      }
      this.state.docsOf(file).forEach((doc, k) => this.state.vectors.set(doc, vectors[k]));
      file.embeddingModel = embedder.model;
      embedded += vectors.length;
      await this.persistence.append([{ t: 'e', p: key, h: file.hash, model: embedder.model, v: vectors.map(encodeVector) }]);
      this.persistence.supersede();
      onProgress?.(i + 1, todo.length);
    }
    await this.persistence.snapshotIfChanged();
    return embedded;
  }

  private async chunkTexts(key: string, file: LiveFile): Promise<string[] | undefined> {
    const absolute = this.absolute(key);
    if (absolute === undefined) {
      return undefined;
    }
    try {
      const lines = (await readFile(absolute, 'utf8')).split(/\r?\n/);
      return file.chunks.map((c) => `${key}\n${lines.slice(c.startLine - 1, c.endLine).join('\n')}`.slice(0, maxEmbeddedChars));
    } catch {
      return undefined;
    }
  }
}
