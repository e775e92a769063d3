/**
 * A bounded LRU of finished completions, keyed so that returning to a position (undo, backspace, moving
 * the cursor back) hits: model + the end of the prefix + the start of the suffix, line endings normalised.
 * Pure: no `vscode` import.
 */
import { LRUCache } from 'lru-cache';
import { detachedSlice } from './reuse';

/** How much of the text around the cursor goes into a key. */
export const cacheKeyPrefixChars = 600;
export const cacheKeySuffixChars = 200;

/** The key of a position: equal keys mean the same completion is wanted. */
export function completionCacheKey(model: string, text: string, offset: number): string {
  // Detached copies: a key must not keep the document version it came from alive.
  const prefix = detachedSlice(text, Math.max(0, offset - cacheKeyPrefixChars), offset).replace(/\r\n/g, '\n');
  const suffix = detachedSlice(text, offset, offset + cacheKeySuffixChars).replace(/\r\n/g, '\n');
  return `${model}\u0000${prefix}\u0001${suffix}`;
}

/** Finished completions (`\n` line endings, before conversion to the document's form). */
export class CompletionCache {
  private readonly lru: LRUCache<string, string>;

  constructor(readonly maxEntries = 256) {
    this.lru = new LRUCache<string, string>({ max: Math.max(1, maxEntries) });
  }

  get(key: string): string | undefined {
    return this.lru.get(key);
  }

  set(key: string, completion: string): void {
    this.lru.set(key, completion);
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }
}
