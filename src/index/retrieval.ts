/**
 * What chat needs from the index: whether a question asks for the codebase (`@codebase`), the question without the
 * mention (for the search), and how a chunk is named as a source (`path:start-end`).
 * Pure: no `vscode` import.
 */
import type { ChunkRef } from './types';

const mention = /(^|\s)@codebase\b/i;

/** True when the question asks for retrieval from the workspace index. */
export function mentionsCodebase(question: string): boolean {
  return mention.test(question);
}

/** The question without its `@codebase` mention(s). */
export function withoutCodebaseMention(question: string): string {
  return question.replace(/(^|\s)@codebase\b/gi, '$1').replace(/\s+/g, ' ').trim();
}

/** A chunk's name as a source: `src/a.ts:10-42`. */
export function sourceLabel(ref: ChunkRef): string {
  return `${ref.path}:${ref.startLine}-${ref.endLine}`;
}

/** The language id a fenced block of this file takes (its extension; empty when it has none). */
export function fenceLanguage(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? path.slice(dot + 1).toLowerCase() : '';
}
