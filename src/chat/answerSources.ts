/**
 * An answer's sources: the context items that reached its prompt, as `path:start-end` ranges (the chips under the
 * answer), and the check that a chip the webview asks to open is one of them. Pure: no `vscode` import.
 */
import type { AnswerSource, Conversation } from './chatTypes';
import type { ChatContextItem } from './promptAssembly';

/** The id prefix of a chunk the workspace index retrieved (see `providers/index/codebaseRetrieval.ts`). */
export const CODEBASE_ITEM_PREFIX = 'codebase:';

/**
 * The range an item covers: its label's `path:start-end` (selections, index chunks), else the whole text from line 1
 * (a file). Each range once, in prompt order.
 */
export function sourcesOf(items: readonly ChatContextItem[]): AnswerSource[] {
  const seen = new Set<string>();
  const sources: AnswerSource[] = [];
  for (const item of items) {
    const source = sourceOf(item);
    const key = source === undefined ? '' : `${source.path}:${source.startLine}-${source.endLine}`;
    if (source !== undefined && !seen.has(key)) {
      seen.add(key);
      sources.push(source);
    }
  }
  return sources;
}

function sourceOf(item: ChatContextItem): AnswerSource | undefined {
  const kind = item.id.startsWith(CODEBASE_ITEM_PREFIX) ? 'codebase' : item.kind === 'selection' ? 'selection' : 'file';
  const ranged = /^(.+):(\d+)-(\d+)$/.exec(item.label);
  if (ranged !== null && ranged[1] !== undefined) {
    const startLine = Number(ranged[2]);
    const endLine = Number(ranged[3]);
    return startLine >= 1 && endLine >= startLine ? { path: ranged[1], startLine, endLine, kind } : undefined;
  }
  if (item.label.trim() === '') {
    return undefined;
  }
  const lines = item.text.split('\n');
  const count = lines.length > 1 && lines.at(-1) === '' ? lines.length - 1 : lines.length;
  return { path: item.label, startLine: 1, endLine: Math.max(1, count), kind };
}

/**
 * The source of answer `messageId` in `conversation` that matches what the webview asked to open, or undefined
 * when that answer had no such source (the webview may name any path: only recorded sources are opened).
 */
export function recordedSource(conversation: Conversation | undefined, messageId: string, asked: Omit<AnswerSource, 'kind'>): AnswerSource | undefined {
  const message = conversation?.messages.find((m) => m.id === messageId);
  return message?.meta?.sources?.find((s) => s.path === asked.path && s.startLine === asked.startLine && s.endLine === asked.endLine);
}
