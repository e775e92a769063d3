/**
 * The fill-in-the-middle window around the cursor: a prefix and a suffix within token budgets, cut on
 * line boundaries. Called on every keystroke, so it only ever looks at the lines near the cursor (never
 * counts the whole file).
 *
 * KV-cache reuse: the server reuses its cache for the longest common prefix of consecutive prompts, so the
 * prefix START must not creep forward one line per keystroke: every move of it makes the server read the
 * whole prompt again. The start moves in large steps with hysteresis: a start in use stays in use (it is
 * remembered with the text around it) for as long as the window from it still fits — typing on, moving the
 * cursor back up, or the text above the window changing length, does not move it; when the user has typed
 * past it, it jumps about half a budget ahead ({@link fimStepChars}), so the next jump is far off. A start
 * chosen afresh sits on a grid ({@link fimGridChars}), the same for the same text and cursor. Between jumps
 * consecutive prompts share everything up to the edit.
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
 * Characters per grid step for a prefix budget: about an eighth of the characters the budget holds (at ~4
 * characters a token), at least 256. A start chosen afresh is the first line start at or after a multiple
 * of this (it gives up at most ~1/8 of the prefix). (A character grid, unlike a line-number grid, needs no
 * scan from the top of the file.)
 */
export function fimGridChars(prefixTokens: number): number {
  return Math.max(256, Math.round((prefixTokens * 4) / 8));
}

/**
 * Characters the start jumps ahead of what the budget requires when the start in use no longer fits (the
 * user typed on past it): about half the characters the budget holds, so the next jump comes only after
 * about half a budget more is typed. Every jump costs the server a full re-read of the prompt: moving to the
 * next eighth made the typing benchmark's prompts jump every ~500 characters (82 % KV reuse), a quarter
 * twice in the session (88 %). The prefix right after a jump is about half the budget; it grows back as the
 * user types.
 */
export function fimStepChars(prefixTokens: number): number {
  return Math.max(2 * fimGridChars(prefixTokens), Math.round((prefixTokens * 4) / 2));
}

/** A prefix start in use, recognised by the text just before and after it. */
interface Anchor {
  readonly offset: number;
  readonly around: string;
  readonly before: number;
}

// Starts used recently (a few documents' worth), most recent last.
const anchors: Anchor[] = [];
const maxAnchors = 8;
const anchorContext = 48;

/**
 * The most recent remembered start in [from, latest] whose surrounding text is unchanged (so it is still a
 * line start): at its old offset, or shifted (lines added or removed above it).
 */
function rememberedStart(text: string, from: number, latest: number): number | undefined {
  for (let i = anchors.length - 1; i >= 0; i--) {
    const a = anchors[i];
    if (a === undefined) {
      continue;
    }
    if (a.offset >= from && a.offset <= latest && text.startsWith(a.around, a.offset - a.before)) {
      return a.offset;
    }
    if (a.before === 0) {
      // The start of the text: only there (elsewhere the same characters need not start a line).
      continue;
    }
    const found = text.indexOf(a.around, Math.max(0, from - a.before));
    if (found !== -1 && found + a.before <= latest) {
      return found + a.before;
    }
  }
  return undefined;
}

function rememberStart(text: string, offset: number): void {
  const from = Math.max(0, offset - anchorContext);
  const last = anchors[anchors.length - 1];
  if (last !== undefined && last.offset === offset && text.startsWith(last.around, from)) {
    return;
  }
  const around = detached(text.slice(from, offset + anchorContext));
  const existing = anchors.findIndex((a) => a.offset === offset && a.around === around);
  if (existing !== -1) {
    anchors.splice(existing, 1);
  }
  anchors.push({ offset, around, before: offset - from });
  if (anchors.length > maxAnchors) {
    anchors.shift();
  }
}

/**
 * Where the prefix starts, given the earliest line start the budget allows (`earliest` > 0) and the cursor's
 * line start: the start in use while it still fits (and gives up at most a jump's worth); past it, a jump
 * well ahead ({@link fimStepChars}); with no start in use, the next grid mark.
 */
function chooseStart(text: string, earliest: number, lineStart: number, prefixTokens: number): number {
  const grid = fimGridChars(prefixTokens);
  const step = fimStepChars(prefixTokens);
  const inUse = rememberedStart(text, Math.max(0, earliest - step), lineStart);
  if (inUse !== undefined && inUse >= earliest && inUse <= earliest + step + grid) {
    return inUse;
  }
  // Typed on past the start in use (it is a little before what the budget allows): jump well ahead.
  // Otherwise (a new document, the cursor far from the start in use): the next grid mark.
  const forced = inUse !== undefined && inUse < earliest && inUse >= earliest - step;
  const mark = forced ? Math.ceil((earliest + step - grid) / grid) * grid : Math.ceil(earliest / grid) * grid;
  let start = earliest;
  if (mark > earliest) {
    const nl = text.indexOf('\n', mark - 1);
    start = nl === -1 || nl + 1 > lineStart ? lineStart : nl + 1;
  }
  rememberStart(text, start);
  return start;
}

// Token counts of whole lines, per counter, reused across calls: while the user types, only the
// current line changes, so every other line's count is a map lookup.
const lineCountCaches = new WeakMap<TokenCounter, Map<string, number>>();
const lineCacheLimit = 50_000;
const cachedLineMaxLength = 2_000;

function lineCache(counter: TokenCounter): Map<string, number> {
  let cache = lineCountCaches.get(counter);
  if (cache === undefined) {
    cache = new Map();
    lineCountCaches.set(counter, cache);
  }
  return cache;
}

/** No token covers more characters than this; longer texts than `budget ×` this cannot fit and are not counted. */
const maxCharsPerToken = 256;

/** Token count of `text[start, end)`, through the per-counter line cache; Infinity if it obviously exceeds `budget`. */
function lineTokens(counter: TokenCounter, cache: Map<string, number>, text: string, start: number, end: number, budget: number): number {
  if (end <= start) {
    return 0;
  }
  if (end - start > budget * maxCharsPerToken) {
    return Number.POSITIVE_INFINITY;
  }
  const line = text.slice(start, end);
  if (line.length > cachedLineMaxLength) {
    return counter.count(line);
  }
  let n = cache.get(line);
  if (n === undefined) {
    n = counter.count(line);
    if (cache.size >= lineCacheLimit) {
      cache.clear();
    }
    // A V8 slice can keep its whole parent string alive: store a detached copy, or every document version
    // the user typed would stay in memory through the cache keys (measured: ~4 KB per completion).
    cache.set(detached(line), n);
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
  const cache = lineCache(counter);
  const partialTokens = lineTokens(counter, cache, text, lineStart, cursor, prefixBudget);
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
      const c = lineTokens(counter, cache, text, prevStart, earliest, prefixBudget);
      if (used + c > prefixBudget) {
        break;
      }
      used += c;
      earliest = prevStart;
      scanned += 1;
    }
    prefixStart = earliest;
    if (earliest > 0 && scanned > 0) {
      prefixStart = chooseStart(text, earliest, lineStart, prefixBudget);
    } else if (earliest === 0 && len > anchorContext) {
      // The whole text before the cursor fits: remembered, so that once it no longer does, the start jumps well ahead.
      rememberStart(text, 0);
    }
    prefix = text.slice(prefixStart, cursor);
  }

  // ---- Suffix: the rest of the current line, then whole lines downwards.
  const nl = text.indexOf('\n', cursor);
  const lineEnd = nl === -1 ? len : nl + 1;
  let suffixEnd: number;
  let suffix: string;
  const restTokens = lineTokens(counter, cache, text, cursor, lineEnd, suffixBudget);
  if (restTokens > suffixBudget) {
    suffix = fitChars(text.slice(cursor, lineEnd), suffixBudget, counter, false);
    suffixEnd = cursor + suffix.length;
  } else {
    let used = restTokens;
    let end = lineEnd;
    while (end < len) {
      const next = text.indexOf('\n', end);
      const nextEnd = next === -1 ? len : next + 1;
      const c = lineTokens(counter, cache, text, end, nextEnd, suffixBudget);
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

/** A copy of `text` that does not share memory with the string it was sliced from. */
function detached(text: string): string {
  return (' ' + text).slice(1);
}
