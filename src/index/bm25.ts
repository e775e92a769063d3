/**
 * A BM25 inverted index over chunks, kept compact so 100 MB of code fits in the memory budget: each term's postings
 * are two growable typed arrays (document ids and counts) rather than a map per document, and no document keeps its
 * own term list. Removing a document marks it dead: it is skipped at once and leaves the length statistics, but
 * until the next compaction (when dead documents pass a fifth of the live ones) it still counts in the document
 * frequency of its terms, an error of a few percent on IDF at most. Pure: no `vscode` import.
 */

class Postings {
  ids = new Int32Array(4);
  counts = new Uint16Array(4);
  length = 0;

  add(doc: number, count: number): void {
    if (this.length === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const counts = new Uint16Array(this.counts.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.ids[this.length] = doc;
    this.counts[this.length] = Math.min(count, 0xffff);
    this.length++;
  }
}

/** One ranked document. */
export interface Scored {
  readonly doc: number;
  readonly score: number;
}

/** BM25 parameters (Robertson's defaults). */
const k1 = 1.2;
const b = 0.75;

export class Bm25Index {
  private readonly postings = new Map<string, Postings>();
  private lengths = new Float32Array(1024);
  private alive = new Uint8Array(1024);
  private nextDoc = 0;
  private liveDocs = 0;
  private deadDocs = 0;
  private totalLength = 0;

  /** Documents currently searchable. */
  get size(): number {
    return this.liveDocs;
  }

  /** Distinct terms (including ones only dead documents still hold until compaction). */
  get termCount(): number {
    return this.postings.size;
  }

  /** Adds a document given its term counts; returns its id. */
  add(counts: ReadonlyMap<string, number>): number {
    const doc = this.nextDoc++;
    if (doc >= this.lengths.length) {
      this.grow();
    }
    let length = 0;
    for (const [term, count] of counts) {
      let postings = this.postings.get(term);
      if (postings === undefined) {
        postings = new Postings();
        this.postings.set(term, postings);
      }
      postings.add(doc, count);
      length += count;
    }
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
    if (this.deadDocs > 50 && this.deadDocs * 5 > this.liveDocs) {
      this.compact();
    }
  }

  /** The `limit` best documents for the query terms (repeated terms weigh more), best first. */
  search(queryTerms: ReadonlyMap<string, number>, limit: number, accept?: (doc: number) => boolean): Scored[] {
    if (this.liveDocs === 0) {
      return [];
    }
    const average = this.totalLength / this.liveDocs;
    const scores = new Float32Array(this.nextDoc);
    const touched: number[] = [];
    for (const [term, weight] of queryTerms) {
      const postings = this.postings.get(term);
      if (postings === undefined) {
        continue;
      }
      const df = Math.min(postings.length, this.liveDocs);
      const idf = Math.log(1 + (this.liveDocs - df + 0.5) / (df + 0.5));
      for (let i = 0; i < postings.length; i++) {
        const doc = postings.ids[i];
        if (this.alive[doc] === 0) {
          continue;
        }
        const tf = postings.counts[i];
        if (scores[doc] === 0) {
          touched.push(doc);
        }
        scores[doc] += weight * idf * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * this.lengths[doc]) / average)));
      }
    }
    const candidates = accept === undefined ? touched : touched.filter(accept);
    return topK(candidates, scores, limit);
  }

  /** Drops dead documents from every posting list, making document frequencies exact again. Ids stay the same. */
  compact(): void {
    for (const [term, postings] of this.postings) {
      let w = 0;
      for (let r = 0; r < postings.length; r++) {
        if (this.alive[postings.ids[r]] === 1) {
          postings.ids[w] = postings.ids[r];
          postings.counts[w] = postings.counts[r];
          w++;
        }
      }
      postings.length = w;
      if (w === 0) {
        this.postings.delete(term);
        continue;
      }
      if (postings.ids.length > 4 * Math.max(w, 4)) {
        postings.ids = postings.ids.slice(0, Math.max(w, 4));
        postings.counts = postings.counts.slice(0, Math.max(w, 4));
      }
    }
    this.deadDocs = 0;
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

/** The `limit` highest-scoring of `docs`, best first (ties: lower id first, so results are stable). */
export function topK(docs: readonly number[], scores: { readonly [doc: number]: number }, limit: number): Scored[] {
  const sorted = [...docs].sort((x, y) => scores[y] - scores[x] || x - y);
  return sorted.slice(0, limit).map((doc) => ({ doc, score: scores[doc] }));
}
