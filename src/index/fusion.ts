/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, 2009): each ranking contributes 1 / (k + rank) to a result,
 * so lexical and vector search are combined without comparing their incomparable scores.
 * Pure: no `vscode` import.
 */

/** The usual constant; it damps the weight of the very first ranks. */
export const rrfK = 60;

/** One fused result: its key, its fused score and the rankings it appeared in (by their index in the input). */
export interface Fused<K> {
  readonly key: K;
  readonly score: number;
  readonly from: readonly number[];
}

/** Fuses rankings (each best first) into one, best first; ties keep the order of first appearance. */
export function reciprocalRankFusion<K>(rankings: readonly (readonly K[])[], k = rrfK): Fused<K>[] {
  const fused = new Map<K, { score: number; from: number[]; order: number }>();
  let order = 0;
  rankings.forEach((ranking, which) => {
    ranking.forEach((key, rank) => {
      let entry = fused.get(key);
      if (entry === undefined) {
        entry = { score: 0, from: [], order: order++ };
        fused.set(key, entry);
      }
      entry.score += 1 / (k + rank + 1);
      entry.from.push(which);
    });
  });
  return [...fused.entries()]
    .sort(([, a], [, b]) => b.score - a.score || a.order - b.order)
    .map(([key, { score, from }]) => ({ key, score, from }));
}
