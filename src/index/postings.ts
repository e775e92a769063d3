/**
 * One term's postings list in the BM25 index while it grows (see `bm25.ts`): the documents added since the last
 * compaction that hold the term, with their counts.
 * Pure: no `vscode` import.
 */

/** Lists longer than this move from a plain array to typed arrays. */
const smallPostings = 32;

/**
 * One term's postings. Most terms are rare (a whole identifier is often in one chunk), and a small plain array of
 * small integers costs a fraction of two typed arrays, so lists start as `[doc, count, doc, count…]` and become
 * typed arrays (6 bytes a posting) only once they grow.
 */
export class Postings {
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
}

const emptyIds = new Int32Array(0);
const emptyCounts = new Uint16Array(0);
