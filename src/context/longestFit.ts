/**
 * Finding how much of a text fits a token budget without counting it over and over.
 * Pure: no `vscode` import.
 */

/**
 * The largest `n` in `[0, maxLength]` with `measure(n) <= target`, assuming `measure` grows with `n`
 * (roughly linearly, as token counts of longer slices do). A few proportional guesses narrow the range,
 * then a binary search finishes it, so a 1 MB line costs a handful of counts near the answer's size
 * rather than a binary search over the whole line. Returns 0 when nothing fits (the caller checks 0).
 */
export function longestFit(maxLength: number, target: number, measure: (n: number) => number): number {
  if (maxLength <= 0 || target <= 0) {
    return 0;
  }
  let lo = 0;
  let hi = maxLength + 1;
  // Proportional (secant-like) guesses; start at ~4 characters a token.
  let guess = Math.min(maxLength, Math.max(1, Math.round(target * 4)));
  for (let i = 0; i < 6 && hi - lo > 1; i++) {
    const tokens = measure(guess);
    if (tokens <= target) {
      lo = guess;
      if (guess === maxLength) {
        return maxLength;
      }
      guess = Math.round((guess * target) / Math.max(1, tokens)) + 1;
    } else {
      hi = guess;
      guess = Math.round((guess * target) / tokens) - 1;
    }
    guess = Math.min(hi - 1, Math.max(lo + 1, guess));
    if (guess <= lo || guess >= hi) {
      break;
    }
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (measure(mid) <= target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}
