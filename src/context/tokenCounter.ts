/**
 * Token counting. Local models use their own tokenizers, so every count here is an estimate that
 * `calibration.ts` corrects per model; what matters is that it is fast, deterministic and never crashes.
 *
 * - {@link tiktokenCounter}: exact `cl100k_base` counts. The WebAssembly encoder is loaded lazily on the
 *   first count (never at import, so activation stays cheap) and shared by every counter.
 * - {@link approximateCounter}: a single pass over the characters, no encoder; for hot paths.
 * - {@link calibratedCounter}: scales another counter by a factor.
 *
 * Pure: no `vscode` import.
 */
import type * as TiktokenModule from 'tiktoken';

/** Counts tokens in a text. Implementations must be deterministic and must not throw on any string. */
export interface TokenCounter {
  count(text: string): number;
}

/** A counter that holds a resource (the tiktoken encoder). */
export interface DisposableTokenCounter extends TokenCounter {
  /** Frees the shared encoder; the next count loads it again. */
  dispose(): void;
}

/** The encoding used as the reference tokenizer. */
export const referenceEncoding = 'cl100k_base';

// cl100k_base's pre-tokenizer (the `pat_str` of the encoding) in JavaScript syntax: Node 20 has no
// inline `(?i:...)`, so the contractions are spelled out case-insensitively. tiktoken splits a text
// with this pattern and runs byte-pair merges inside each piece independently, so the sum of the
// pieces' counts equals the count of the whole text (checked by the unit tests).
const cl100kPieces = /'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

// The same pattern anchored at lastIndex, for the counting loop (one shared instance: counting is synchronous
// and never re-entrant, so setting lastIndex is safe and saves compiling a regex per call).
const cl100kPiecesSticky = new RegExp(cl100kPieces.source, 'uy');

// Byte-pair merging is quadratic in the length of a piece (20,000 identical letters take ~250 ms), so a
// longer piece (minified or binary content) is counted in chunks. The chunked count can differ from the
// exact one by a token per chunk boundary, a negligible error on such pieces.
const longPiece = 256;
const pieceChunk = 128;
// Most pieces of source code repeat (keywords, identifiers, indentation), so their counts are memoised.
const cachedPieceMaxLength = pieceChunk;
const pieceCacheLimit = 200_000;

// Long texts are also counted line by line (see lineChunkEnd) and each line's count is memoised: a file
// edited between two requests keeps most of its lines, so a layout of changed files counts only the new lines.
const lineMemoMinLength = 256;
const lineMemoMaxChars = 4_000_000;
const lineMemoMaxLineLength = 16_384;

interface EncoderState {
  readonly encoder: TiktokenModule.Tiktoken;
  readonly pieceCounts: Map<string, number>;
  readonly lineCounts: Map<string, number>;
  lineChars: number;
  readonly loadMs: number;
}

let shared: EncoderState | undefined;
// Why the encoder could not be loaded (e.g. tiktoken_bg.wasm missing next to the bundle), if it failed.
let loadFailure: unknown;

function loadTiktoken(): typeof TiktokenModule {
  // A `require` inside a function keeps the module (and its 5.6 MB WebAssembly file) unloaded until the
  // first count. esbuild turns it into a lazy call of the bundled module; the bundle finds
  // tiktoken_bg.wasm next to itself (esbuild.mjs copies it to dist/).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('tiktoken');
}

function encoderState(): EncoderState | undefined {
  if (shared === undefined && loadFailure === undefined) {
    const started = performance.now();
    try {
      const encoder = loadTiktoken().get_encoding(referenceEncoding);
      shared = { encoder, pieceCounts: new Map(), lineCounts: new Map(), lineChars: 0, loadMs: performance.now() - started };
    } catch (error) {
      // Counting must never break a feature: fall back to the approximate counter from now on.
      loadFailure = error;
    }
  }
  return shared;
}

/** The error that prevented loading the encoder (counts then come from the approximate counter), if any. */
export function tiktokenLoadError(): unknown {
  return loadFailure;
}

/** True once the shared encoder is in memory. */
export function isTiktokenLoaded(): boolean {
  return shared !== undefined;
}

/** Milliseconds the last encoder load took (module + WebAssembly + ranks), or undefined if not loaded. */
export function tiktokenLoadMs(): number | undefined {
  return shared?.loadMs;
}

/** Frees the shared encoder and its memoised counts. Safe to call at any time, any number of times. */
export function disposeTiktoken(): void {
  if (shared !== undefined) {
    shared.encoder.free();
    shared = undefined;
  }
}

/** Forgets the memoised piece counts but keeps the encoder (for benchmarks that measure cold counting). */
export function clearTiktokenCache(): void {
  if (shared !== undefined) {
    shared.pieceCounts.clear();
    shared.lineCounts.clear();
    shared.lineChars = 0;
  }
}

/**
 * The same string, not sharing memory with the text it was sliced from: V8 represents a slice of 13 or more
 * characters as a view that keeps the whole parent alive, so a memo of lines sliced from many versions of a
 * 1 MB file would keep every version (measured: 300 remembered lines held 300 MB). Concatenating and
 * slicing again makes V8 copy the characters into a fresh string; only memo insertions pay for it.
 */
function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

function countPiece(state: EncoderState, piece: string): number {
  const cached = state.pieceCounts.get(piece);
  if (cached !== undefined) {
    return cached;
  }
  if (piece.length > longPiece) {
    let total = 0;
    for (const chunk of chunksOf(piece, pieceChunk)) {
      total += countPiece(state, chunk);
    }
    return total;
  }
  // encode_ordinary treats special-token text such as "<|endoftext|>" as plain text instead of throwing.
  // Lone surrogates reach the encoder as U+FFFD (wasm-bindgen encodes strings with TextEncoder).
  let count: number;
  try {
    count = state.encoder.encode_ordinary(piece).length;
  } catch {
    // Should not happen (encode_ordinary accepts any string); an estimate beats a crash.
    count = approximateCount(piece);
  }
  if (piece.length <= cachedPieceMaxLength) {
    if (state.pieceCounts.size >= pieceCacheLimit) {
      state.pieceCounts.clear();
    }
    state.pieceCounts.set(detached(piece), count);
  }
  return count;
}

/** Splits a string into chunks of at most `size` code units without splitting a surrogate pair. */
export function chunksOf(text: string, size: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    end = safeCut(text, end);
    if (end <= start) {
      end = Math.min(text.length, start + size + 1);
    }
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

/** Moves a cut position back by one if it would fall between the halves of a surrogate pair. */
export function safeCut(text: string, index: number): number {
  if (index <= 0 || index >= text.length) {
    return Math.max(0, Math.min(index, text.length));
  }
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff ? index - 1 : index;
}

/**
 * Where the line chunk starting at `from` ends: just after a newline that is followed by spaces or tabs
 * and then a visible ASCII character (or the end of the text if there is no such newline).
 *
 * Counting chunk by chunk gives exactly the count of the whole text: the pre-tokenizer has no look-behind
 * (a match depends only on the text from its start on), and such a newline always ends a piece: whether it
 * is in a punctuation piece (` ?[^\s\p{L}\p{N}]+[\r\n]*`) or a whitespace piece (`\s*[\r\n]+` takes
 * whitespace up to the last line break of the run), the piece stops right after it, in the whole text as in
 * the chunk alone, and no earlier piece looks past it. Checked against whole-text counts by the unit tests.
 */
function lineChunkEnd(text: string, from: number): number {
  const n = text.length;
  let i = text.indexOf('\n', from);
  while (i !== -1) {
    let j = i + 1;
    let c = text.charCodeAt(j);
    while (c === 32 || c === 9) {
      j += 1;
      c = text.charCodeAt(j);
    }
    if (c >= 0x21 && c <= 0x7e) {
      return i + 1;
    }
    i = text.indexOf('\n', j);
  }
  return n;
}

function countWithTiktoken(text: string): number {
  if (text.length === 0) {
    return 0;
  }
  const state = encoderState();
  if (state === undefined) {
    return approximateCount(text);
  }
  if (text.length < lineMemoMinLength) {
    return countPieces(state, text);
  }
  let total = 0;
  let start = 0;
  while (start < text.length) {
    const end = lineChunkEnd(text, start);
    const line = start === 0 && end === text.length ? text : text.slice(start, end);
    const cached = state.lineCounts.get(line);
    if (cached !== undefined) {
      total += cached;
    } else {
      const count = countPieces(state, line);
      total += count;
      if (line.length <= lineMemoMaxLineLength) {
        if (state.lineChars + line.length > lineMemoMaxChars) {
          state.lineCounts.clear();
          state.lineChars = 0;
        }
        state.lineCounts.set(detached(line), count);
        state.lineChars += line.length;
      }
    }
    start = end;
  }
  return total;
}

function countPieces(state: EncoderState, text: string): number {
  let total = 0;
  // A sticky `test` and a slice rather than `exec`: no match array per piece (a megabyte has ~250,000
  // pieces, and that garbage cost more than the matching).
  const pattern = cl100kPiecesSticky;
  const n = text.length;
  let start = 0;
  while (start < n) {
    pattern.lastIndex = start;
    if (!pattern.test(text)) {
      // Cannot happen (every character starts a match); skip it as `exec` would, and never loop forever.
      start += 1;
      continue;
    }
    const end = pattern.lastIndex;
    if (end <= start) {
      start += 1;
      continue;
    }
    total += countPiece(state, text.slice(start, end));
    start = end;
  }
  return total;
}

/**
 * Exact `cl100k_base` token counts. The encoder loads on the first non-empty count (about 200–300 ms),
 * once, shared by all counters; `dispose()` frees it. If it cannot be loaded, counts come from
 * {@link approximateCounter} and {@link tiktokenLoadError} says why.
 */
export function tiktokenCounter(): DisposableTokenCounter {
  return {
    count: countWithTiktoken,
    dispose: disposeTiktoken,
  };
}

// Character classes for the approximate counter, as a table over ASCII (everything else is "other").
const clsSpace = 0;
const clsNewline = 1;
const clsWord = 2;
const clsDigit = 3;
const clsPunct = 4;
const clsOther = 5;
const clsUpper = 6;
const asciiClass = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  asciiClass[c] =
    c === 10 || c === 13
      ? clsNewline
      : c === 32 || c === 9
        ? clsSpace
        : c >= 65 && c <= 90
          ? clsUpper
          : (c >= 97 && c <= 122) || c === 95
            ? clsWord
            : c >= 48 && c <= 57
              ? clsDigit
              : c < 32 || c === 127
                ? clsOther
                : clsPunct;
}

function classAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? (asciiClass[code] ?? clsOther) : clsOther;
}

/**
 * A fast estimate without an encoder: one pass over the UTF-16 code units, counting runs of
 * letters (a token per ~5 letters, split at lower-to-upper case changes), digits (one per 3),
 * punctuation (one per 3 characters), indentation and newlines, and non-ASCII characters
 * (one per UTF-16 unit), scaled by a fitted constant. Typically within ±15 % of cl100k on source code
 * (about 9 % spread across languages); calibration absorbs the per-model bias.
 */
export function approximateCounter(): TokenCounter {
  return { count: approximateCount };
}

// Fitted on mixed source code (TS, JS, Python, C, CSS, Markdown) against cl100k_base; bench/tokens.bench.ts prints the ratio.
const approximateScale = 0.87;

function approximateCount(text: string): number {
  const n = text.length;
  let tokens = 0;
  let i = 0;
  while (i < n) {
    const cls = classAt(text, i);
    let j = i + 1;
    if (cls === clsWord || cls === clsUpper) {
      // A camelCase hump starts a new sub-word: "getUserName" is three tokens.
      let humps = 1;
      let prevLower = cls === clsWord;
      while (j < n) {
        const c = classAt(text, j);
        if (c === clsWord) {
          prevLower = true;
        } else if (c === clsUpper) {
          if (prevLower) {
            humps += 1;
          }
          prevLower = false;
        } else if (c !== clsDigit) {
          break;
        }
        j += 1;
      }
      const words = Math.ceil((j - i) / 5);
      tokens += humps > words ? humps : words;
    } else if (cls === clsDigit) {
      while (j < n && classAt(text, j) === clsDigit) {
        j += 1;
      }
      tokens += Math.ceil((j - i) / 3);
    } else if (cls === clsPunct) {
      while (j < n && classAt(text, j) === clsPunct) {
        j += 1;
      }
      tokens += Math.ceil((j - i) / 3);
    } else if (cls === clsNewline) {
      // A newline run and the indentation after it are usually one or two tokens.
      while (j < n) {
        const c = classAt(text, j);
        if (c !== clsNewline && c !== clsSpace) {
          break;
        }
        j += 1;
      }
      tokens += 1 + Math.floor((j - i) / 16);
    } else if (cls === clsSpace) {
      while (j < n && classAt(text, j) === clsSpace) {
        j += 1;
      }
      // A single space merges into the next word; longer runs cost a token per ~4 spaces.
      tokens += j - i > 1 ? Math.ceil((j - i) / 4) : 0;
    } else {
      tokens += 1;
    }
    i = j;
  }
  // The run costs above overshoot cl100k by ~15 % on mixed code (TS, JS, Python, C, CSS, Markdown).
  return tokens === 0 ? 0 : Math.ceil(tokens * approximateScale);
}

/** Scales a counter by a calibration factor (rounded up, so budgets err on the safe side). */
export function calibratedCounter(base: TokenCounter, factor: number): TokenCounter {
  const f = Number.isFinite(factor) && factor > 0 ? factor : 1;
  return {
    count(text: string): number {
      const raw = base.count(text);
      return raw === 0 ? 0 : Math.ceil(raw * f);
    },
  };
}
