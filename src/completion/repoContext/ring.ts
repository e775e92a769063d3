/**
 * The ring of recently viewed, edited and copied chunks (after llama.vscode's: 16 chunks of at most 64
 * lines). A chunk that is nearly the same as one already held (line-set similarity above a threshold)
 * replaces it instead of taking another place, so scrolling or editing one function does not fill the ring.
 * Pure: no `vscode` import.
 */
import { declaredNamesOf, maxChunkLines } from './chunks';
import { memoByText } from './memo';
import { wordsOf } from './relevance';
import type { RecentKind, SnippetCandidate } from './types';

/** One chunk held by the ring. */
export interface RingChunk {
  readonly path: string;
  /** 0-based first line. */
  readonly startLine: number;
  readonly text: string;
  readonly kind: RecentKind;
  /** When it was added (ms, any monotonic clock). */
  readonly at: number;
}

/** Tunables of {@link ChunkRing}. */
export interface ChunkRingOptions {
  /** Chunks kept. Default 16. */
  readonly capacity?: number;
  /** Lines at most per chunk (longer ones are cut). Default 64. */
  readonly maxLines?: number;
  /** Line-set similarity (Jaccard) above which a new chunk replaces an old one. Default 0.5. */
  readonly similarity?: number;
  /** Chunks with fewer non-blank lines are not worth a place. Default 3. */
  readonly minLines?: number;
}

/** The trimmed non-blank lines of a text. */
export function lineSet(text: string): Set<string> {
  const set = new Set<string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length > 0) {
      set.add(t);
    }
  }
  return set;
}

/** {@link lineSet}, remembered for the texts seen most recently (ring chunks and candidates come back at every choice). */
export const lineSetOf = memoByText(2048, (text): ReadonlySet<string> => lineSet(text));

/** Jaccard similarity of the sets of trimmed non-blank lines of two texts (1 = same lines). */
export function lineSimilarity(a: string, b: string): number {
  return setSimilarity(lineSet(a), lineSet(b));
}

/** Jaccard similarity of two line sets (see {@link lineSet}). */
export function setSimilarity(sa: ReadonlySet<string>, sb: ReadonlySet<string>): number {
  if (sa.size === 0 && sb.size === 0) {
    return 1;
  }
  let shared = 0;
  for (const line of sa) {
    if (sb.has(line)) {
      shared += 1;
    }
  }
  return shared / (sa.size + sb.size - shared);
}

/** A bounded ring of recent chunks, oldest first. */
export class ChunkRing {
  private readonly held: RingChunk[] = [];
  // The line set of each held chunk, so adding one compares sets instead of re-reading every chunk.
  private readonly sets = new WeakMap<RingChunk, ReadonlySet<string>>();
  private changes = 0;
  private readonly capacity: number;
  private readonly maxLines: number;
  private readonly similarity: number;
  private readonly minLines: number;

  constructor(options: ChunkRingOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 16);
    this.maxLines = Math.max(1, options.maxLines ?? maxChunkLines);
    this.similarity = options.similarity ?? 0.5;
    this.minLines = options.minLines ?? 3;
  }

  /**
   * Adds a chunk (cut to the line limit). A held chunk similar to it is dropped, so the newest version
   * stays. Returns false when the chunk was too small to keep.
   */
  add(chunk: RingChunk): boolean {
    const lines = chunk.text.split('\n');
    const text = lines.length > this.maxLines ? lines.slice(0, this.maxLines).join('\n') : chunk.text;
    const set = lineSetOf(text);
    if (set.size < this.minLines) {
      return false;
    }
    // What choosing the context reads of a chunk (its words and declared names) is worked out now, when the
    // user views, edits or copies code, not on the way to a completion request.
    wordsOf(text);
    declaredNamesOf(text);
    const fresh: RingChunk = { ...chunk, text };
    for (let i = this.held.length - 1; i >= 0; i--) {
      const old = this.held[i];
      const oldSet = old === undefined ? undefined : this.sets.get(old);
      if (oldSet !== undefined && setSimilarity(oldSet, set) > this.similarity) {
        this.held.splice(i, 1);
      }
    }
    this.sets.set(fresh, set);
    this.held.push(fresh);
    while (this.held.length > this.capacity) {
      this.held.shift();
    }
    this.changes += 1;
    return true;
  }

  /** Forgets every chunk of a file (deleted, or now excluded). */
  removePath(path: string): void {
    const before = this.held.length;
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (this.held[i]?.path === path) {
        this.held.splice(i, 1);
      }
    }
    if (this.held.length !== before) {
      this.changes += 1;
    }
  }

  /** The chunks, oldest first. */
  chunks(): readonly RingChunk[] {
    return [...this.held];
  }

  /** Grows on every change: a caller can tell whether the ring moved since it last looked. */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.held.length;
  }

  /** The chunks as snippet candidates. */
  candidates(): SnippetCandidate[] {
    return this.held.map((c) => ({ path: c.path, startLine: c.startLine, text: c.text, source: 'recent', recentKind: c.kind, at: c.at }));
  }
}
