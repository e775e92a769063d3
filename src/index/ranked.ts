/**
 * Ranked results shared by the lexical (`bm25.ts`) and vector (`vectors.ts`) searches: a document with its score,
 * and the selection of the best few among many candidates.
 * Pure: no `vscode` import.
 */

/** One ranked document. */
export interface Scored {
  readonly doc: number;
  readonly score: number;
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
