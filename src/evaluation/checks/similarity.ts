/**
 * The completion check: the answer matches the held-out text exactly, or is similar enough by edit distance.
 * Pure: no `vscode` import.
 */
import { stripThinking } from '../../review/parseReview';
import { quoteShort } from './spec';
import type { Check, CheckSpec } from './spec';

/** Longer inputs are cut to this many characters before measuring (the distance is quadratic). */
export const maxSimilarityChars = 20_000;

/**
 * Levenshtein distance (insertions, deletions, substitutions), two-row dynamic programming on UTF-16 units.
 * Hand-written (15 lines) rather than a dependency: adding a package means rewriting the shared lockfile.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  let previous = new Uint32Array(b.length + 1).map((_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const insertOrDelete = Math.min(previous[j] ?? 0, current[j - 1] ?? 0) + 1;
      current[j] = substitute < insertOrDelete ? substitute : insertOrDelete;
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

/** 1 − distance / longer length: 1 for identical texts, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - editDistance(a, b) / longer;
}

/** A similar / exact-match check; whitespace at both ends is ignored (completions differ there harmlessly). */
export function similarCheck(spec: Extract<CheckSpec, { type: 'similar' }>): Check {
  const min = spec.min ?? 1;
  const expected = spec.expected.trim().slice(0, maxSimilarityChars);
  const lines = spec.lines;
  const scope = lines !== undefined ? ` (first ${lines === 1 ? 'line' : `${lines} lines`})` : '';
  return {
    label: min >= 1 ? `exactly ${quoteShort(spec.expected)}${scope}` : `≥ ${Math.round(min * 100)} % similar to ${quoteShort(spec.expected)}${scope}`,
    run(answer) {
      const text = stripThinking(answer);
      // Leading blank lines do not count as the first line (a model may open with a newline).
      const kept = lines !== undefined ? text.replace(/^\s*\n/, '').split('\n').slice(0, lines).join('\n') : text;
      const actual = kept.trim().slice(0, maxSimilarityChars);
      const score = similarity(actual, expected);
      const pct = `${Math.round(score * 1000) / 10} % similar`;
      return { pass: min >= 1 ? actual === expected : score >= min, detail: score === 1 ? 'exact match' : pct };
    },
  };
}
