/**
 * Identifier-aware tokenisation for the lexical index: code and questions are cut into words, identifiers are
 * also split at camelCase, PascalCase, snake_case and digits (`parseHTTPRequest` → `parsehttprequest`, `parse`,
 * `http`, `request`), words are lower-cased and lightly stemmed so "parsing", "parses" and `parse` meet.
 * Pure: no `vscode` import.
 */

// Words too common in code or questions to tell chunks apart; BM25's IDF would weigh them near zero anyway,
// dropping them saves memory and time.
const stopWords = new Set(
  (
    'a an and are as at be by do does for from has have how i if in into is it its me my no not of on or our so ' +
    'that the their then there these this to was we what when where which who why will with you your can should ' +
    'would could get set var let const new return else true false null none nil self end def fn func'
  ).split(' '),
);

const wordPattern = /[\p{L}\p{N}_$]+/gu;
// Boundaries inside an identifier: lower→Upper, ACRONYMWord, letter↔digit, and underscores/dollars.
const camelBoundary = /([\p{Ll}\p{N}])(\p{Lu})|(\p{Lu})(\p{Lu}\p{Ll})|(\p{L})(\p{N})|(\p{N})(\p{L})/gu;

/** A light suffix-stripping stemmer: consistent on both sides (documents and queries) is all that matters. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) {
    return `${w.slice(0, -3)}y`;
  }
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) {
    w = w.slice(0, -1);
    if (w.length > 3 && /(?:ss|x|ch|sh)e$/.test(w)) {
      w = w.slice(0, -1);
    }
  }
  if (w.length > 5 && w.endsWith('ing')) {
    w = w.slice(0, -3);
  } else if (w.length > 4 && w.endsWith('ed')) {
    w = w.slice(0, -2);
  }
  // After -ing/-ed too, so "registered", "register" and "registering" meet.
  if (w.length > 5 && w.endsWith('er')) {
    w = w.slice(0, -2);
  }
  if (w.length > 4 && w.endsWith('e')) {
    w = w.slice(0, -1);
  }
  return w;
}

function keep(word: string): boolean {
  return word.length > 1 && word.length <= 64 && !stopWords.has(word) && !/^\d+$/.test(word);
}

// Code repeats its identifiers, so each word's terms are memoised (bounded: cleared when full).
const wordTerms = new Map<string, readonly string[]>();
const wordTermsLimit = 50_000;

/** The terms one word of text yields (memoised by the word). */
function termsOfWord(sliced: string): readonly string[] {
  let terms = wordTerms.get(sliced);
  if (terms !== undefined) {
    return terms;
  }
  // The word is a slice of the text, and V8 keeps a slice's whole text alive: anything kept from it (the memo's
  // key, a term that lower-casing left unchanged and BM25 then keeps for good) would hold a whole chunk in memory.
  const word = detach(sliced);
  terms = computeTerms(word);
  if (wordTerms.size >= wordTermsLimit) {
    wordTerms.clear();
  }
  wordTerms.set(word, terms);
  return terms;
}

/** The terms of one word: the whole identifier when it has parts, and each part, lower-cased and stemmed. */
function computeTerms(word: string): string[] {
  const out: string[] = [];
  const lower = word.toLowerCase();
  const parts = word
    .replace(camelBoundary, (_m, a?: string, b?: string, c?: string, d?: string, e?: string, f?: string, g?: string, h?: string) =>
      a !== undefined ? `${a} ${b}` : c !== undefined ? `${c} ${d}` : e !== undefined ? `${e} ${f}` : `${g} ${h}`,
    )
    .split(/[\s_$]+/)
    .filter((p) => p !== '');
  if (parts.length > 1 && keep(lower)) {
    // The whole identifier too, so an exact name match outranks its parts found apart.
    out.push(lower);
  }
  for (const part of parts) {
    const p = part.toLowerCase();
    if (keep(p)) {
      out.push(stem(p));
    }
  }
  return out;
}

/** A memoised ASCII word; words of the same hash are chained. */
interface AsciiMemoEntry {
  readonly word: string;
  readonly terms: readonly string[];
  readonly next: AsciiMemoEntry | undefined;
}

// The ASCII scan's memo is keyed by a hash computed while scanning and checked against the text in place: a hit
// (most words: ~99 % on a large tree) then costs no substring and no string hashing, which were most of the
// tokenizer's time.
const asciiMemo = new Map<number, AsciiMemoEntry>();
let asciiMemoSize = 0;

/** The terms of the ASCII word `text[start, end)`, whose hash is `hash`. */
function asciiTerms(text: string, start: number, end: number, hash: number): readonly string[] {
  const length = end - start;
  const first = asciiMemo.get(hash);
  for (let entry = first; entry !== undefined; entry = entry.next) {
    if (entry.word.length === length && text.startsWith(entry.word, start)) {
      return entry.terms;
    }
  }
  const word = detach(text.slice(start, end));
  const terms = computeTerms(word);
  if (asciiMemoSize >= wordTermsLimit) {
    asciiMemo.clear();
    asciiMemoSize = 0;
  }
  asciiMemo.set(hash, { word, terms, next: asciiMemo.size === 0 ? undefined : first });
  asciiMemoSize++;
  return terms;
}

const nonAscii = /[^\t\n\r\x20-\x7e]/;

/** True for the ASCII characters of {@link wordPattern}: letters, digits, `_` and `$`. */
function asciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/**
 * A copy of `text` that does not keep the string it was sliced from alive (V8 represents a substring as a view of
 * its parent): for strings kept long after the text they came from (terms, symbol names).
 */
export function detach(text: string): string {
  // Concatenating makes a new string, which slicing then flattens into one of its own.
  return ` ${text}`.slice(1);
}

/** Calls `emit` for every term of `text`, in order (a term may repeat). */
export function forEachTerm(text: string, emit: (term: string) => void): void {
  const emitWord = (word: string): void => {
    for (const term of termsOfWord(word)) {
      emit(term);
    }
  };
  if (nonAscii.test(text)) {
    for (const match of text.matchAll(wordPattern)) {
      emitWord(match[0]);
    }
    return;
  }
  // Code is almost always ASCII: a scan by character codes finds the same words several times faster than the
  // Unicode pattern (which the text above takes when it holds any other character).
  const emitTerms = (terms: readonly string[]): void => {
    for (const term of terms) {
      emit(term);
    }
  };
  let start = -1;
  let hash = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (asciiWordChar(c)) {
      if (start < 0) {
        start = i;
        hash = 0;
      }
      hash = (Math.imul(hash, 31) + c) | 0;
    } else if (start >= 0) {
      emitTerms(asciiTerms(text, start, i, hash));
      start = -1;
    }
  }
  if (start >= 0) {
    emitTerms(asciiTerms(text, start, text.length, hash));
  }
}

/** The terms of `text`, in order. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  forEachTerm(text, (t) => out.push(t));
  return out;
}

/** Counts the terms of `text`, adding `weight` per occurrence to `into`. */
export function countTerms(text: string, into: Map<string, number> = new Map(), weight = 1): Map<string, number> {
  forEachTerm(text, (t) => into.set(t, (into.get(t) ?? 0) + weight));
  return into;
}

/** Compact text form of a term-count map, for the index file: `term` or `term:count`, space-separated. */
export function encodeTerms(counts: ReadonlyMap<string, number>): string {
  const parts: string[] = [];
  for (const [term, count] of counts) {
    parts.push(count === 1 ? term : `${term}:${count}`);
  }
  return parts.join(' ');
}

/** Reverse of {@link encodeTerms}; malformed entries are skipped. */
export function decodeTerms(encoded: string, emit: (term: string, count: number) => void): void {
  if (encoded === '') {
    return;
  }
  for (const part of encoded.split(' ')) {
    const colon = part.lastIndexOf(':');
    if (colon < 0) {
      emit(part, 1);
      continue;
    }
    const count = Number(part.slice(colon + 1));
    if (colon > 0 && Number.isInteger(count) && count > 0) {
      emit(part.slice(0, colon), count);
    }
  }
}
