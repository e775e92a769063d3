/**
 * Typed-through reuse: while the user types the characters a suggestion starts with, the rest of the
 * suggestion is served without a new request, from a finished suggestion or from the generation still
 * streaming. An anchor pins the position a suggestion was made for; typing at the cursor keeps it valid,
 * any other edit invalidates it.
 * Pure: no `vscode` import.
 */

/** How much text around the anchor must be unchanged. */
export const anchorPrefixChars = 256;
export const anchorSuffixChars = 256;

/** The position a suggestion was made for. */
export interface Anchor {
  readonly documentUri: string;
  readonly offset: number;
  /** The text just before the anchor. */
  readonly prefixTail: string;
  /** The text just after the anchor (the cursor). */
  readonly suffixHead: string;
}

/**
 * A copy of a slice that does not keep the whole document alive. V8 represents `text.slice()` as a view
 * into its parent string, so a kept slice would retain every document version it came from; flattening a
 * concatenation makes a fresh string.
 */
export function detachedSlice(text: string, start: number, end: number): string {
  const slice = text.slice(start, end);
  return slice.length < 13 ? slice : (' ' + slice).slice(1);
}

/** The anchor for a cursor position. */
export function anchorAt(documentUri: string, text: string, offset: number): Anchor {
  return {
    documentUri,
    offset,
    prefixTail: detachedSlice(text, Math.max(0, offset - anchorPrefixChars), offset),
    suffixHead: detachedSlice(text, offset, offset + anchorSuffixChars),
  };
}

/**
 * What the user typed since the anchor, when the document is the anchored one with text inserted at
 * the cursor only; undefined after any other edit (deletion, cursor moved, text changed elsewhere nearby).
 */
export function typedSince(anchor: Anchor, documentUri: string, text: string, offset: number): string | undefined {
  if (documentUri !== anchor.documentUri || offset < anchor.offset) {
    return undefined;
  }
  const start = anchor.offset - anchor.prefixTail.length;
  if (!text.startsWith(anchor.prefixTail, start)) {
    return undefined;
  }
  if (text.slice(offset, offset + anchor.suffixHead.length) !== anchor.suffixHead) {
    return undefined;
  }
  return text.slice(anchor.offset, offset);
}

/** Whether a suggestion still serves after `typed`. */
export type ReuseMatch =
  /** The suggestion starts with what was typed: show the rest. */
  | { readonly kind: 'hit'; readonly remainder: string }
  /** A streaming suggestion agrees so far but has not produced enough yet: wait for it. */
  | { readonly kind: 'pending' }
  | { readonly kind: 'miss' };

/**
 * Matches typed text against a suggestion (both in document form). A finished suggestion hits while it
 * starts with the typed text and something non-blank is left; a streaming one is pending while the two
 * agree on their common length.
 */
export function matchTyped(suggestion: string, typed: string, finished: boolean): ReuseMatch {
  if (suggestion.startsWith(typed)) {
    const remainder = suggestion.slice(typed.length);
    if (finished) {
      return remainder.trim() === '' ? { kind: 'miss' } : { kind: 'hit', remainder };
    }
    return { kind: 'pending' };
  }
  if (!finished && typed.startsWith(suggestion)) {
    return { kind: 'pending' };
  }
  return { kind: 'miss' };
}
