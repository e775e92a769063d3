/**
 * The fill-in-the-middle window around the cursor: a prefix and a suffix within token budgets, cut on
 * line boundaries. Called on every keystroke, so it only ever looks at the lines near the cursor (never
 * counts the whole file).
 *
 * KV-cache reuse: the server reuses its cache for the longest common prefix of consecutive prompts, so the
 * prefix START must not creep forward one line per keystroke. The start is snapped to a coarse line grid
 * (a multiple of {@link fimGridLines} lines) and only moves when the budget forces it past a grid line;
 * between such jumps consecutive prompts share everything up to the edit.
 *
 * Pure: no `vscode` import.
 */
import { longestFit } from './longestFit';
import { safeCut } from './tokenCounter';
import type { TokenCounter } from './tokenCounter';

export interface FimWindowOptions {
  /** Token budget of the text before the cursor. */
  prefixTokens: number;
  /** Token budget of the text after the cursor. */
  suffixTokens: number;
}

export interface FimWindow {
  prefix: string;
  suffix: string;
  /** Offset in the text where the prefix starts. */
  prefixStartOffset: number;
  /** Offset in the text where the suffix ends (exclusive). */
  suffixEndOffset: number;
  /** The prefix does not reach the start of the text. */
  prefixTruncated: boolean;
  /** The suffix does not reach the end of the text. */
  suffixTruncated: boolean;
}

/**
 * Lines per grid step for a prefix budget: about an eighth of the lines the budget holds
 * (at ~10 tokens a line), between 4 and 64. A jump therefore loses at most ~1/8 of the prefix.
 */
export function fimGridLines(prefixTokens: number): number {
  return Math.min(64, Math.max(4, Math.round(prefixTokens / 80)));
}

/** The text of `[start, end)` counted, or a cached count. */
function lineTokens(counter: TokenCounter, text: string, start: number, end: number): number {
  return end > start ? counter.count(text.slice(start, end)) : 0;
}

/** Index of the line containing `offset` (0-based), counting newlines before it. */
function lineIndexAt(text: string, offset: number): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i !== -1 && i < offset) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

/** Keeps the longest end (or start) of `text` that fits `budget` tokens, never splitting a surrogate pair. */
function fitChars(text: string, budget: number, counter: TokenCounter, keepEnd: boolean): string {
  if (budget <= 0 || text.length === 0) {
    return '';
  }
  const slice = (n: number): string => (keepEnd ? text.slice(safeCut(text, text.length - n)) : text.slice(0, safeCut(text, n)));
  return slice(longestFit(text.length, budget, (n) => counter.count(slice(n))));
}

/**
 * Cuts the prefix and suffix around `offset`. The partial current line is kept whole on both sides of the
 * cursor (unless it alone exceeds the budget, e.g. a minified file: then it is cut by characters, the part
 * nearest the cursor kept). Then whole lines are added outwards while they fit. CRLF stays intact (lines
 * are cut after `\n`), surrogate pairs are never split, and the offset is clamped into the text.
 */
export function fimWindow(text: string, offset: number, options: FimWindowOptions, counter: TokenCounter): FimWindow {
  const len = text.length;
  let cursor = Number.isFinite(offset) ? Math.min(len, Math.max(0, Math.floor(offset))) : len;
  cursor = safeCut(text, cursor);
  const prefixBudget = Number.isFinite(options.prefixTokens) ? Math.max(0, Math.floor(options.prefixTokens)) : 0;
  const suffixBudget = Number.isFinite(options.suffixTokens) ? Math.max(0, Math.floor(options.suffixTokens)) : 0;

  // ---- Prefix: the partial line before the cursor, then whole lines upwards.
  const lineStart = text.lastIndexOf('\n', cursor - 1) + 1;
  let prefixStart: number;
  let prefix: string;
  const partial = text.slice(lineStart, cursor);
  const partialTokens = lineTokens(counter, text, lineStart, cursor);
  if (partialTokens > prefixBudget) {
    prefix = fitChars(partial, prefixBudget, counter, true);
    prefixStart = cursor - prefix.length;
  } else {
    // Walk up line by line while the lines fit: `earliest` is the earliest line start the budget allows.
    let used = partialTokens;
    let earliest = lineStart;
    let scanned = 0;
    while (earliest > 0) {
      const prevStart = text.lastIndexOf('\n', earliest - 2) + 1;
      const c = lineTokens(counter, text, prevStart, earliest);
      if (used + c > prefixBudget) {
        break;
      }
      used += c;
      earliest = prevStart;
      scanned += 1;
    }
    prefixStart = earliest;
    if (earliest > 0 && scanned > 0) {
      // Snap forward to the next grid line, so the start stays put while the user types on.
      const grid = fimGridLines(prefixBudget);
      const startLine = lineIndexAt(text, earliest);
      const snappedLine = Math.ceil(startLine / grid) * grid;
      let snapped = earliest;
      for (let line = startLine; line < snappedLine; line++) {
        const next = text.indexOf('\n', snapped);
        if (next === -1 || next + 1 > lineStart) {
          break;
        }
        snapped = next + 1;
      }
      prefixStart = snapped;
    }
    prefix = text.slice(prefixStart, cursor);
  }

  // ---- Suffix: the rest of the current line, then whole lines downwards.
  const nl = text.indexOf('\n', cursor);
  const lineEnd = nl === -1 ? len : nl + 1;
  let suffixEnd: number;
  let suffix: string;
  const restTokens = lineTokens(counter, text, cursor, lineEnd);
  if (restTokens > suffixBudget) {
    suffix = fitChars(text.slice(cursor, lineEnd), suffixBudget, counter, false);
    suffixEnd = cursor + suffix.length;
  } else {
    let used = restTokens;
    let end = lineEnd;
    while (end < len) {
      const next = text.indexOf('\n', end);
      const nextEnd = next === -1 ? len : next + 1;
      const c = lineTokens(counter, text, end, nextEnd);
      if (used + c > suffixBudget) {
        break;
      }
      used += c;
      end = nextEnd;
    }
    suffixEnd = end;
    suffix = text.slice(cursor, suffixEnd);
  }

  return {
    prefix,
    suffix,
    prefixStartOffset: prefixStart,
    suffixEndOffset: suffixEnd,
    prefixTruncated: prefixStart > 0,
    suffixTruncated: suffixEnd < len,
  };
}
