/**
 * The typed pieces a prompt is built from, and how each is rendered as text.
 * Pure: no `vscode` import.
 */

/**
 * What an item is, which decides where it goes:
 * - start edge: `instructions`, then `pinned` key code;
 * - middle: `supporting` context (by rank) and `history` (earlier turns or attempts);
 * - end edge: `selection` and `cursor` code, then the `question` last.
 */
export type ContextItemKind = 'instructions' | 'pinned' | 'supporting' | 'history' | 'selection' | 'cursor' | 'question';

/** Every kind, in prompt order. */
export const contextItemKinds: readonly ContextItemKind[] = ['instructions', 'pinned', 'supporting', 'history', 'selection', 'cursor', 'question'];

/** One piece of a prompt. */
export interface ContextItem {
  readonly kind: ContextItemKind;
  /** Unique within one layout; also the tie-breaker that keeps ordering deterministic. */
  readonly id: string;
  /** A heading such as a workspace-relative file path. */
  readonly title?: string;
  readonly text: string;
  /** Code fence language (e.g. `typescript`); code kinds only. */
  readonly language?: string;
  /** Relevance for `supporting` (and `history`) items: higher is more relevant, kept longer, placed nearer the end. */
  readonly rank?: number;
  /** 0-based line of `text` that matters most; shrinking keeps the lines nearest it. */
  readonly focusLine?: number;
  /**
   * A shorter stand-in for `text` (a definition's doc comment and signature, body cut visibly), for `supporting`
   * items. Over budget, every supporting item gets its short form before any is kept whole (by rank), so
   * the layout shortens before it drops.
   */
  readonly summary?: string;
}

/** Which part of the prompt a kind belongs to. */
export type PromptRegion = 'start' | 'middle' | 'end';

export function regionOf(kind: ContextItemKind): PromptRegion {
  switch (kind) {
    case 'instructions':
    case 'pinned':
      return 'start';
    case 'supporting':
    case 'history':
      return 'middle';
    case 'selection':
    case 'cursor':
    case 'question':
      return 'end';
  }
}

/** Turns an item (with possibly shrunk text) into prompt text. Must be deterministic. */
export type ItemRenderer = (item: ContextItem, text: string) => string;

const codeLabels: Partial<Record<ContextItemKind, string>> = {
  pinned: 'File',
  supporting: 'File',
  selection: 'Selected code',
  cursor: 'Code at the cursor',
};

/** A code fence longer than any backtick run inside the text, so the text cannot close it early. */
export function fenceFor(text: string): string {
  if (text.indexOf('`') === -1) {
    return '```';
  }
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 96) {
      run += 1;
      if (run > longest) {
        longest = run;
      }
    } else {
      run = 0;
    }
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * The default rendering: instructions and the question as plain text; code kinds as a labelled
 * Markdown code block (`File: src/a.ts` + fence); history as `title:` and the text.
 */
export const defaultRenderer: ItemRenderer = (item, text) => {
  if (item.kind === 'instructions' || item.kind === 'question') {
    return item.title === undefined ? text : `${item.title}\n${text}`;
  }
  if (item.kind === 'history') {
    return item.title === undefined ? text : `${item.title}:\n${text}`;
  }
  const label = codeLabels[item.kind] ?? 'Code';
  const heading = item.title === undefined ? `${label}:` : `${label}: ${item.title}`;
  const fence = fenceFor(text);
  return `${heading}\n${fence}${item.language ?? ''}\n${text}\n${fence}`;
};
