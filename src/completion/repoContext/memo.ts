/**
 * Results computed from a snippet's text, remembered for the texts seen most recently: the same ring chunks
 * and imported files come back at every pause, so their words, names, lines and token counts are worked out once.
 * Pure: no `vscode` import.
 */
import { LRUCache } from 'lru-cache';

/** `compute`, remembered for the last `max` distinct texts. */
export function memoByText<T extends NonNullable<unknown>>(max: number, compute: (text: string) => T): (text: string) => T {
  const cache = new LRUCache<string, T>({ max });
  return (text) => {
    let value = cache.get(text);
    if (value === undefined) {
      value = compute(text);
      cache.set(text, value);
    }
    return value;
  };
}
