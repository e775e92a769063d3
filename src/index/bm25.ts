/**
 * A BM25 inverted index over chunks, kept compact so 100 MB of code fits in the memory budget: each term's postings
 * are two growable typed arrays (document ids and counts) rather than a map per document, and no document keeps its
 * own term list. Removing a document marks it dead: it is skipped at once and leaves the length statistics, but
 * until the next compaction (when dead documents pass a fifth of the live ones) it still counts in the document
 * frequency of its terms, an error of a few percent on IDF at most. Pure: no `vscode` import.
 */

/** Lists longer than this move from a plain array to typed arrays. */
const smallPostings = 32;

/**
 * One term's postings. Most terms are rare (a whole identifier is often in one chunk), and a small plain array of
 * small integers costs a fraction of two typed arrays, so lists start as `[doc, count, doc, count…]` and become
 * typed arrays (6 bytes a posting) only once they grow.
 */
class Postings {
  private small: number[] | undefined = [];
  ids: Int32Array = emptyIds;
  counts: Uint16Array = emptyCounts;
  length = 0;

  add(doc: number, count: number): void {
    const c = Math.min(count, 0xffff);
    if (this.small !== undefined) {
      if (this.length < smallPostings) {
        this.small.push(doc, c);
        this.length++;
        return;
      }
      this.ids = new Int32Array(smallPostings * 2);
      this.counts = new Uint16Array(smallPostings * 2);
      for (let i = 0; i < this.length; i++) {
        this.ids[i] = this.small[2 * i];
        this.counts[i] = this.small[2 * i + 1];
      }
      this.small = undefined;
    }
    if (this.length === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const counts = new Uint16Array(this.counts.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.ids[this.length] = doc;
    this.counts[this.length] = c;
    this.length++;
  }

  doc(i: number): number {
    return this.small !== undefined ? this.small[2 * i] : this.ids[i];
  }

  count(i: number): number {
    return this.small !== undefined ? this.small[2 * i + 1] : this.counts[i];
  }

  /** Keeps only the postings whose document `keep` accepts. */
  filter(keep: (doc: number) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.length; r++) {
      const doc = this.doc(r);
      if (!keep(doc)) {
        continue;
      }
      const count = this.count(r);
      if (this.small !== undefined) {
        this.small[2 * w] = doc;
        this.small[2 * w + 1] = count;
      } else {
        this.ids[w] = doc;
        this.counts[w] = count;
      }
      w++;
    }
    this.length = w;
    if (this.small !== undefined) {
      this.small.length = 2 * w;
    } else if (this.ids.length > 4 * Math.max(w, smallPostings)) {
      this.ids = this.ids.slice(0, Math.max(w, smallPostings));
      this.counts = this.counts.slice(0, Math.max(w, smallPostings));
    }
  }
}

const emptyIds = new Int32Array(0);
const emptyCounts = new Uint16Array(0);

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
    const doc = this.newDoc();
    let length = 0;
    for (const [term, count] of counts) {
      this.post(term, doc, count);
      length += count;
    }
    return this.finishDoc(doc, length);
  }

  /** Adds a document from its encoded term counts (see `encodeTerms`), parsing straight into the postings: the restart path. */
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
    let postings = this.postings.get(term);
    if (postings === undefined) {
      postings = new Postings();
      this.postings.set(term, postings);
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
        const doc = postings.doc(i);
        if (this.alive[doc] === 0) {
          continue;
        }
        const tf = postings.count(i);
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
      postings.filter((doc) => this.alive[doc] === 1);
      if (postings.length === 0) {
        this.postings.delete(term);
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
  const better = (x: number, y: number): boolean => scores[x] > scores[y] || (scores[x] === scores[y] && x < y);
  // A bounded min-heap of the best `limit` so far: O(n log k) rather than sorting every candidate.
  const heap: number[] = [];
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && better(heap[worst], heap[l])) {
        worst = l;
      }
      if (r < heap.length && better(heap[worst], heap[r])) {
        worst = r;
      }
      if (worst === i) {
        return;
      }
      [heap[i], heap[worst]] = [heap[worst], heap[i]];
      i = worst;
    }
  };
  for (const doc of docs) {
    if (heap.length < limit) {
      heap.push(doc);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!better(heap[parent], heap[i])) {
          break;
        }
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (limit > 0 && better(doc, heap[0])) {
      heap[0] = doc;
      down(0);
    }
  }
  return heap.sort((x, y) => (better(x, y) ? -1 : 1)).map((doc) => ({ doc, score: scores[doc] }));
}
