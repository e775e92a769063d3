/**
 * A token counter that remembers the counts of long texts (rendered segments), per underlying counter.
 * Pure: no `vscode` import.
 */
import type { TokenCounter } from './tokenCounter';

// Counts of rendered segments, per counter, kept across layouts: consecutive requests (chat follow-ups,
// a re-asked question, the same open files) mostly lay out the same items, so only the final text needs
// counting again. Bounded by the total length of the remembered texts.
const segmentCounts = new WeakMap<TokenCounter, Map<string, number>>();
const segmentMemoMaxChars = 2_000_000;
const segmentMemoChars = new WeakMap<TokenCounter, { chars: number }>();

/** Counts long texts once (within a layout, and across layouts for the same counter). */
export function memoized(counter: TokenCounter): TokenCounter {
  let memo = segmentCounts.get(counter);
  let size = segmentMemoChars.get(counter);
  if (memo === undefined || size === undefined) {
    memo = new Map();
    size = { chars: 0 };
    segmentCounts.set(counter, memo);
    segmentMemoChars.set(counter, size);
  }
  const cache = memo;
  const stored = size;
  return {
    count(text: string): number {
      if (text.length < 256) {
        return counter.count(text);
      }
      let n = cache.get(text);
      if (n === undefined) {
        n = counter.count(text);
        if (stored.chars + text.length > segmentMemoMaxChars) {
          cache.clear();
          stored.chars = 0;
        }
        if (text.length <= segmentMemoMaxChars / 4) {
          cache.set(text, n);
          stored.chars += text.length;
        }
      }
      return n;
    },
  };
}

