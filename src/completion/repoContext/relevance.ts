/**
 * Relevance of a snippet to the code around the cursor: a BM25-like score over identifier words (whole
 * identifiers and their camelCase/snake_case parts), where words nearer the cursor weigh more, and the
 * identifiers used near the cursor, for definitions of exactly those.
 * Pure: no `vscode` import.
 */
import { identifierWords } from '../../context/rank';
import { memoByText } from './memo';

/** What the code around the cursor is about. */
export interface CursorQuery {
  /** Lower-case identifier words → weight in (0, 1], larger nearer the cursor. */
  readonly words: ReadonlyMap<string, number>;
  /** Identifiers as written → weight in (0, 1], larger nearer the cursor. */
  readonly identifiers: ReadonlyMap<string, number>;
}

/** Lines of the window around the cursor that the query reads. */
export const queryLinesBefore = 60;
export const queryLinesAfter = 15;

// Half weight at this many lines from the cursor.
const halfWeightLines = 8;

const keywords = new Set(
  (
    'if else for while do return break continue switch case default try catch finally throw new delete typeof instanceof in of ' +
    'function class interface type enum const let var import export from as async await yield extends implements static public ' +
    'private protected readonly abstract void null undefined true false this super def self None True False pass raise with ' +
    'lambda elif is not and or package func go defer struct map chan range fn pub mod use impl trait mut ref match loop where ' +
    'int float double char bool boolean string number any unknown never object long short byte unsigned signed include define'
  ).split(' '),
);

/** Whether a word is a language keyword (never worth a definition lookup). */
export function isKeyword(word: string): boolean {
  return keywords.has(word);
}

/** Splits the cursor's surroundings into weighted query words and identifiers. */
export function cursorQuery(text: string, offset: number): CursorQuery {
  // Only the window is split into lines, not the whole file.
  let start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  let before = 0;
  while (start > 0 && before < queryLinesBefore) {
    start = text.lastIndexOf('\n', start - 2) + 1;
    before += 1;
  }
  let end = offset;
  for (let after = 0; after <= queryLinesAfter && end !== -1; after++) {
    end = text.indexOf('\n', end + (after === 0 ? 0 : 1));
  }
  const lines = text.slice(start, end === -1 ? text.length : end).split('\n');
  const cursorLine = before;
  const words = new Map<string, number>();
  const identifiers = new Map<string, number>();
  let inImport = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    // Import statements name every dependency of the file: they say nothing about what the cursor needs.
    if (inImport || importLine.test(line)) {
      inImport = (inImport || /^\s*import\b[^'"]*$/.test(line) || /\(\s*$/.test(line)) && !/\bfrom\b|[)'";]\s*$/.test(line);
      continue;
    }
    // Text after the cursor weighs a little less: the user has not reached it.
    const distance = i <= cursorLine ? cursorLine - i : (i - cursorLine) * 1.5;
    const weight = 1 / (1 + distance / halfWeightLines);
    for (const word of lineWords(line)) {
      if ((words.get(word) ?? 0) < weight) {
        words.set(word, weight);
      }
    }
    for (const m of line.matchAll(/[A-Za-z_$][\w$]*/g)) {
      const id = m[0];
      // Keywords stay: what is a keyword in one language (`and`, `not`) is a function name in another, and a
      // keyword matches no declared name anyway.
      if (id.length >= 2 && (identifiers.get(id) ?? 0) < weight) {
        identifiers.set(id, weight);
      }
    }
  }
  // The identifier the user just typed (the cursor touches it) matters most.
  const typed = /[A-Za-z_$][\w$]*$/.exec(text.slice(Math.max(0, offset - 200), offset))?.[0];
  if (typed !== undefined && typed.length >= 2) {
    identifiers.set(typed, 1.5);
  }
  return { words, identifiers };
}

// A line that starts an import statement (JS/TS, Python, Go, Rust, Java, C).
const importLine = /^\s*(import\b|export\s[^=(]*\bfrom\s|from\s+[\w.]+\s+import\b|use\s+[\w:]+|#\s*include\b|(?:const|let|var)\s[^=]*=\s*require\()/;


// The words of each line around the cursor: the same lines are read again at every pause.
const lineWords = memoByText(4096, (line): ReadonlySet<string> => identifierWords(line));

// The words of each identifier: code repeats its identifiers, so splitting each distinct one once (instead of
// running the camelCase split at every occurrence) makes a snippet's words several times cheaper.
const identifierCache = new Map<string, readonly string[]>();
const identifierCacheLimit = 20_000;
const maxScanChars = 50_000;

function wordsOfIdentifier(identifier: string): readonly string[] {
  let words = identifierCache.get(identifier);
  if (words === undefined) {
    words = [...identifierWords(identifier)];
    if (identifierCache.size >= identifierCacheLimit) {
      identifierCache.clear();
    }
    identifierCache.set(identifier, words);
  }
  return words;
}

/** {@link identifierWords} of a text (the same set), one identifier split at most once. */
export function textWords(text: string): Set<string> {
  const words = new Set<string>();
  const seen = new Set<string>();
  const source = text.length > maxScanChars ? text.slice(0, maxScanChars) : text;
  for (const m of source.matchAll(/[A-Za-z_$][A-Za-z0-9_$]*/g)) {
    const identifier = m[0];
    if (!seen.has(identifier)) {
      seen.add(identifier);
      for (const w of wordsOfIdentifier(identifier)) {
        words.add(w);
      }
    }
  }
  return words;
}

/** {@link identifierWords} of a snippet, remembered for the texts seen most recently. */
export const wordsOf = memoByText(2048, (text): ReadonlySet<string> => textWords(text));

/** BM25's constants: saturation is moot with set-valued documents; `b` normalises for length. */
const bm25B = 0.5;

/** Scores documents (their identifier-word sets) against a query, BM25-style. */
export class Bm25 {
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(private readonly documents: readonly ReadonlySet<string>[]) {
    let total = 0;
    for (const doc of documents) {
      total += doc.size;
      for (const word of doc) {
        this.df.set(word, (this.df.get(word) ?? 0) + 1);
      }
    }
    this.avgLength = documents.length === 0 ? 1 : Math.max(1, total / documents.length);
  }

  /** Score of document `index`, and how many query words it shares. */
  score(index: number, query: CursorQuery): { readonly score: number; readonly shared: number } {
    const doc = this.documents[index];
    if (doc === undefined) {
      return { score: 0, shared: 0 };
    }
    const n = this.documents.length;
    const norm = 1 / (1 - bm25B + (bm25B * doc.size) / this.avgLength);
    let score = 0;
    let shared = 0;
    for (const [word, weight] of query.words) {
      if (doc.has(word)) {
        const df = this.df.get(word) ?? 0;
        score += weight * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * norm;
        shared += 1;
      }
    }
    return { score, shared };
  }
}
