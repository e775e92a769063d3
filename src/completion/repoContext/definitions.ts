/**
 * Definitions for completions: which identifiers near the cursor are worth asking the language server
 * about, and a cache of its answers per symbol, valid while the files the answers come from keep their
 * version (so typing in the current file never asks again for the same symbol).
 * Pure: no `vscode` import.
 */
import { LRUCache } from 'lru-cache';
import { declaredNames } from './chunks';
import { isKeyword } from './relevance';
import type { SnippetCandidate } from './types';

/** An identifier near the cursor. */
export interface SymbolNearCursor {
  readonly name: string;
  /** Offset of one occurrence in the document (where to ask the definition provider). */
  readonly offset: number;
}

/**
 * Identifiers on the cursor's line and the `linesBefore` lines above it, nearest first, each once;
 * keywords, short names and names the current file declares itself (their definition is already in the
 * prompt or nearby) are left out. At most `max`.
 */
export function symbolsNearCursor(text: string, offset: number, max = 6, linesBefore = 4): SymbolNearCursor[] {
  let from = text.lastIndexOf('\n', Math.max(0, offset - 1));
  for (let i = 0; i < linesBefore && from > 0; i++) {
    from = text.lastIndexOf('\n', from - 1);
  }
  const lineEnd = text.indexOf('\n', offset);
  const windowStart = Math.max(0, from + 1);
  const window = text.slice(windowStart, lineEnd === -1 ? text.length : lineEnd);
  const local = declaredNames(text.length > 100_000 ? text.slice(0, 100_000) : text);
  const found: { name: string; offset: number; distance: number }[] = [];
  for (const m of window.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const name = m[0];
    const at = windowStart + (m.index ?? 0);
    if (name.length < 3 || isKeyword(name) || local.has(name) || /^\d/.test(name)) {
      continue;
    }
    const distance = Math.abs(offset - at);
    const seen = found.find((f) => f.name === name);
    if (seen === undefined) {
      found.push({ name, offset: at, distance });
    } else if (distance < seen.distance) {
      seen.offset = at;
      seen.distance = distance;
    }
  }
  return found
    .sort((a, b) => a.distance - b.distance)
    .slice(0, max)
    .map(({ name, offset: at }) => ({ name, offset: at }));
}

/** One cached answer: the snippets and the versions of the files they were cut from. */
interface CachedDefinition {
  readonly snippets: readonly SnippetCandidate[];
  /** Target document id → its version when the snippet was cut. */
  readonly versions: ReadonlyMap<string, number>;
}

/** Definition snippets per (document, symbol), valid while their source files keep their versions. Bounded (LRU). */
export class DefinitionCache {
  private readonly entries: LRUCache<string, CachedDefinition>;

  constructor(capacity = 500) {
    this.entries = new LRUCache<string, CachedDefinition>({ max: Math.max(1, capacity) });
  }

  private static key(documentUri: string, symbol: string): string {
    return `${documentUri}\u0000${symbol}`;
  }

  /**
   * The cached snippets, or undefined when missing or stale (`versionOf` gives a file's current
   * version; a file whose version changed invalidates the entry).
   */
  get(documentUri: string, symbol: string, versionOf: (id: string) => number | undefined): readonly SnippetCandidate[] | undefined {
    const key = DefinitionCache.key(documentUri, symbol);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    for (const [id, version] of entry.versions) {
      if (versionOf(id) !== version) {
        this.entries.delete(key);
        return undefined;
      }
    }
    return entry.snippets;
  }

  /** Stores an answer (an empty one too: "no definition" is worth remembering). */
  set(documentUri: string, symbol: string, snippets: readonly SnippetCandidate[], versions: ReadonlyMap<string, number>): void {
    this.entries.set(DefinitionCache.key(documentUri, symbol), { snippets, versions });
  }

  /** All cached snippets for a document's symbols that are still valid. */
  snippetsFor(documentUri: string, symbols: readonly string[], versionOf: (id: string) => number | undefined): SnippetCandidate[] {
    return symbols.flatMap((s) => this.get(documentUri, s, versionOf) ?? []);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
