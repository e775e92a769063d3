/**
 * A BM25 inverted index over chunks, kept compact so 100 MB of code fits in the memory budget. Terms are interned
 * to numbers. Postings live in two places: a frozen part (one array of document ids and one of counts for every
 * term, with each term's slice given by an offsets array: no object per term, no slack) and a small mutable part
 * for documents added since the last {@link Bm25Index.compact} (per term, a growable list). A build ends with a
 * compaction, so the index a user queries is almost all frozen; the frozen arrays are also what the snapshot on
 * disk holds, so a restart loads them in one read. Removing a document marks it dead: it is skipped at once and
 * leaves the length statistics, but until the next compaction (which the caller runs, off the save path, once dead
 * documents pass a fifth of the live ones) it still counts in the document frequency of its terms, an error of a few
 * percent on IDF at most.
 * Pure: no `vscode` import.
 */
import { Postings } from './postings';
import type { Scored } from './ranked';
import { topK } from './ranked';

export type { Scored } from './ranked';

/**
 * The frozen postings of every live document, with document ids made dense (0…n−1): what the snapshot on disk
 * holds. Term `t` has postings `offsets[t]` to `offsets[t + 1]` of `docs` and `counts`.
 */
export interface Bm25Arrays {
  readonly terms: readonly string[];
  readonly offsets: Uint32Array;
  readonly docs: Int32Array;
  readonly counts: Uint16Array;
  /** Length (sum of term counts) of each document. */
  readonly lengths: Float32Array;
}

/** BM25 parameters (Robertson's defaults). */
const k1 = 1.2;
const b = 0.75;

export class Bm25Index {
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  /** Frozen postings of term ids below `offsets.length - 1`. */
  private offsets: Uint32Array = new Uint32Array(1);
  private docs: Int32Array = new Int32Array(0);
  private counts: Uint16Array = new Uint16Array(0);
  /** Postings added since the last compaction, by term id. */
  private recent: (Postings | undefined)[] = [];
  private lengths = new Float32Array(1024);
  private alive = new Uint8Array(1024);
  private nextDoc = 0;
  private liveDocs = 0;
  private deadDocs = 0;
  private totalLength = 0;

  /** An index holding the documents of `arrays`, with their dense ids. */
  static fromArrays(arrays: Bm25Arrays): Bm25Index {
    const index = new Bm25Index();
    arrays.terms.forEach((term, id) => {
      index.termIds.set(term, id);
      index.terms.push(term);
      index.recent.push(undefined);
    });
    index.offsets = arrays.offsets;
    index.docs = arrays.docs;
    index.counts = arrays.counts;
    const n = arrays.lengths.length;
    index.lengths = new Float32Array(Math.max(1024, n * 1.25));
    index.lengths.set(arrays.lengths);
    index.alive = new Uint8Array(index.lengths.length);
    index.alive.fill(1, 0, n);
    index.nextDoc = n;
    index.liveDocs = n;
    for (let doc = 0; doc < n; doc++) {
      index.totalLength += arrays.lengths[doc];
    }
    return index;
  }

  /** Documents currently searchable. */
  get size(): number {
    return this.liveDocs;
  }

  /** Distinct terms (including ones only dead documents held). */
  get termCount(): number {
    return this.terms.length;
  }

  /** Adds a document given its term counts; returns its id. */
  add(counts: ReadonlyMap<string, number>): number {
    const doc = this.newDoc();
    let length = 0;
    for (const [term, count] of counts) {
      this.post(term, doc, count);
      length += count;
    }
    return this.finishDoc(doc, length);
  }

  /** Adds a document from its encoded term counts (see `encodeTerms`), parsing straight into the postings. */
  addEncoded(encoded: string): number {
    const doc = this.newDoc();
    let length = 0;
    let start = 0;
    while (start < encoded.length) {
      let end = encoded.indexOf(' ', start);
      if (end < 0) {
        end = encoded.length;
      }
      const colon = encoded.lastIndexOf(':', end - 1);
      let term: string;
      let count = 1;
      if (colon > start) {
        term = encoded.slice(start, colon);
        count = Number(encoded.slice(colon + 1, end));
      } else {
        term = encoded.slice(start, end);
      }
      start = end + 1;
      if (term === '' || !Number.isInteger(count) || count < 1) {
        continue;
      }
      this.post(term, doc, count);
      length += count;
    }
    return this.finishDoc(doc, length);
  }

  /** Takes the next document id, growing the per-document arrays when full. */
  private newDoc(): number {
    const doc = this.nextDoc++;
    if (doc >= this.lengths.length) {
      this.grow();
    }
    return doc;
  }

  /** Records `count` occurrences of `term` in `doc`. */
  private post(term: string, doc: number, count: number): void {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.termIds.set(term, id);
      this.terms.push(term);
      this.recent.push(undefined);
    }
    let postings = this.recent[id];
    if (postings === undefined) {
      postings = new Postings();
      this.recent[id] = postings;
    }
    postings.add(doc, count);
  }

  /** Marks `doc` live with its length in the statistics; returns it. */
  private finishDoc(doc: number, length: number): number {
    this.lengths[doc] = length;
    this.alive[doc] = 1;
    this.liveDocs++;
    this.totalLength += length;
    return doc;
  }

  /** Takes a document out of the results and statistics. Unknown or already removed ids are ignored. */
  remove(doc: number): void {
    if (doc < 0 || doc >= this.nextDoc || this.alive[doc] === 0) {
      return;
    }
    this.alive[doc] = 0;
    this.liveDocs--;
    this.deadDocs++;
    this.totalLength -= this.lengths[doc];
  }

  /**
   * True once dead documents pass a fifth of the live ones: their postings cost search time and skew document
   * frequencies, and {@link compact} should run. Not done inside {@link remove}: a compaction is one pass over every
   * posting (a hundred milliseconds or more at 60,000 chunks), which a save must not wait for; the caller defers it.
   */
  get needsCompaction(): boolean {
    return this.deadDocs > 50 && this.deadDocs * 5 > this.liveDocs;
  }

  /** The `limit` best documents for the query terms (repeated terms weigh more), best first. */
  search(queryTerms: ReadonlyMap<string, number>, limit: number, accept?: (doc: number) => boolean): Scored[] {
    if (this.liveDocs === 0) {
      return [];
    }
    const average = this.totalLength / this.liveDocs;
    const scores = new Float32Array(this.nextDoc);
    const touched: number[] = [];
    const score = (doc: number, tf: number, weight: number, idf: number): void => {
      if (this.alive[doc] === 0) {
        return;
      }
      if (scores[doc] === 0) {
        touched.push(doc);
      }
      scores[doc] += weight * idf * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * this.lengths[doc]) / average)));
    };
    for (const [term, weight] of queryTerms) {
      const id = this.termIds.get(term);
      if (id === undefined) {
        continue;
      }
      const frozenFrom = id < this.offsets.length - 1 ? this.offsets[id] : 0;
      const frozenTo = id < this.offsets.length - 1 ? this.offsets[id + 1] : 0;
      const recent = this.recent[id];
      const df = Math.min(frozenTo - frozenFrom + (recent?.length ?? 0), this.liveDocs);
      if (df === 0) {
        continue;
      }
      const idf = Math.log(1 + (this.liveDocs - df + 0.5) / (df + 0.5));
      for (let i = frozenFrom; i < frozenTo; i++) {
        score(this.docs[i], this.counts[i], weight, idf);
      }
      if (recent !== undefined) {
        for (let i = 0; i < recent.length; i++) {
          score(recent.doc(i), recent.count(i), weight, idf);
        }
      }
    }
    const candidates = accept === undefined ? touched : touched.filter(accept);
    return topK(candidates, scores, limit);
  }

  /**
   * Merges the recent postings into the frozen arrays and drops dead documents from them, making document
   * frequencies exact again. Ids stay the same. One pass over the postings: tens of milliseconds at 60,000 chunks.
   */
  compact(): void {
    const termCount = this.terms.length;
    const frozenTerms = this.offsets.length - 1;
    let total = 0;
    for (let id = 0; id < termCount; id++) {
      if (id < frozenTerms) {
        for (let i = this.offsets[id]; i < this.offsets[id + 1]; i++) {
          total += this.alive[this.docs[i]];
        }
      }
      const recent = this.recent[id];
      for (let i = 0; recent !== undefined && i < recent.length; i++) {
        total += this.alive[recent.doc(i)];
      }
    }
    const offsets = new Uint32Array(termCount + 1);
    const docs = new Int32Array(total);
    const counts = new Uint16Array(total);
    let w = 0;
    for (let id = 0; id < termCount; id++) {
      offsets[id] = w;
      if (id < frozenTerms) {
        for (let i = this.offsets[id]; i < this.offsets[id + 1]; i++) {
          if (this.alive[this.docs[i]] === 1) {
            docs[w] = this.docs[i];
            counts[w++] = this.counts[i];
          }
        }
      }
      const recent = this.recent[id];
      for (let i = 0; recent !== undefined && i < recent.length; i++) {
        if (this.alive[recent.doc(i)] === 1) {
          docs[w] = recent.doc(i);
          counts[w++] = recent.count(i);
        }
      }
    }
    offsets[termCount] = w;
    this.offsets = offsets;
    this.docs = docs;
    this.counts = counts;
    this.recent = new Array<Postings | undefined>(termCount).fill(undefined);
    this.deadDocs = 0;
  }

  /**
   * The live postings as frozen arrays with dense ids: `newIds[doc]` is the id a live document takes (0…n−1,
   * every live document exactly once). Terms no live document holds are left out. Compacts first.
   */
  toArrays(newIds: Int32Array): Bm25Arrays {
    this.compact();
    const terms: string[] = [];
    const offsets: number[] = [0];
    const docs = new Int32Array(this.docs.length);
    const counts = new Uint16Array(this.docs.length);
    let w = 0;
    for (let id = 0; id < this.terms.length; id++) {
      const from = w;
      for (let i = this.offsets[id]; i < this.offsets[id + 1]; i++) {
        docs[w] = newIds[this.docs[i]];
        counts[w++] = this.counts[i];
      }
      if (w > from) {
        terms.push(this.terms[id]);
        offsets.push(w);
      }
    }
    const lengths = new Float32Array(this.liveDocs);
    for (let doc = 0; doc < this.nextDoc; doc++) {
      if (this.alive[doc] === 1) {
        lengths[newIds[doc]] = this.lengths[doc];
      }
    }
    return { terms, offsets: Uint32Array.from(offsets), docs, counts, lengths };
  }

  private grow(): void {
    const lengths = new Float32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const alive = new Uint8Array(this.alive.length * 2);
    alive.set(this.alive);
    this.alive = alive;
  }
}
