/**
 * Message → prompt assembly for the chat: system message first, history fitted to the budget by the context
 * engine (`layoutChat`: oldest turns dropped first, visibly), and the context items (selection, files) placed
 * BEFORE the question inside the last user message, so the question sits at the end where models attend most.
 * Pure: no `vscode` import.
 */
import type { ChatMessage } from '../backend/types';
import { layoutChat } from '../context/chatLayout';
import type { TokenCounter } from '../context/tokenCounter';
import type { ChatHistoryMessage } from './chatTypes';

/** A piece of context offered with the question (the user can remove it before sending). */
export interface ChatContextItem {
  readonly id: string;
  readonly kind: 'selection' | 'file';
  /** e.g. `src/main.ts:3-9` or `src/util.ts`. */
  readonly label: string;
  readonly languageId: string;
  readonly text: string;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are a careful coding assistant inside VS Code. Answer concisely. Put code in fenced blocks with the language. ' +
  'When the user shares code, refer to it precisely; do not invent APIs.';

export interface AssembleInput {
  readonly system?: string;
  /** The branch being answered, oldest first, ending with the user's message. */
  readonly thread: readonly ChatHistoryMessage[];
  readonly context: readonly ChatContextItem[];
  /** Calibrated tokens the prompt may use (from `computeBudget`). */
  readonly promptBudget: number;
  readonly counter: TokenCounter;
}

export interface AssembledPrompt {
  readonly messages: readonly ChatMessage[];
  readonly tokens: number;
  /** What was included, trimmed or dropped, in words (shown under the answer). */
  readonly report: string;
  /** Earlier messages of the conversation left out because the context is full (the middle of the conversation). */
  readonly droppedMessages: number;
  /** Messages that had to be shortened to fit (the question itself, when it is too long even alone). */
  readonly shortenedMessages: number;
  /** Ids of the context items that reached the prompt (whole or trimmed); dropped ones are not listed. */
  readonly includedIds: readonly string[];
}

/** Context items may take at most this share of the prompt budget; the rest is for the history and question. */
const CONTEXT_SHARE = 0.6;

/** What stands in a file's context for the lines already sent as the selection. */
export function selectedLinesMarker(start: number, end: number): string {
  return start === end ? `… selected line ${start} above …` : `… selected lines ${start}–${end} above …`;
}

/** A selection item's file and 1-based line range, from its label (`src/a.ts:10-130`) and text. */
function selectionRange(item: ChatContextItem): { path: string; start: number; end: number } | undefined {
  const m = /^(.*):(\d+)-(\d+)$/.exec(item.label);
  if (m === null || m[1] === undefined) {
    return undefined;
  }
  const start = Number(m[2]);
  // A selection that ends at the start of a line (whole lines selected) does not include that line.
  const lines = item.text.split('\n');
  const end = start + lines.length - 1 - (lines.length > 1 && lines.at(-1) === '' ? 1 : 0);
  return Number.isFinite(start) && start >= 1 && end >= start ? { path: m[1], start, end } : undefined;
}

/**
 * Context items with every line sent once: a file sent beside a selection from it leaves out the selected lines,
 * with a marker where they were (the selection itself is sent right before it).
 */
export function withoutRepeatedLines(items: readonly ChatContextItem[]): ChatContextItem[] {
  const ranges = items.filter((i) => i.kind === 'selection').flatMap((i) => selectionRange(i) ?? []);
  if (ranges.length === 0) {
    return [...items];
  }
  return items.map((item) => {
    if (item.kind !== 'file') {
      return item;
    }
    const own = ranges.filter((r) => r.path === item.label).sort((a, b) => b.start - a.start);
    if (own.length === 0) {
      return item;
    }
    const lines = item.text.split('\n');
    // From the last range up, so earlier line numbers stay valid.
    for (const r of own) {
      if (r.start > lines.length) {
        continue;
      }
      lines.splice(r.start - 1, Math.min(r.end, lines.length) - r.start + 1, selectedLinesMarker(r.start, r.end));
    }
    return { ...item, text: lines.join('\n') };
  });
}

/** Lines of code the context holds, each counted once (the markers of {@link withoutRepeatedLines} count for nothing). */
export function contextLineCount(items: readonly ChatContextItem[]): number {
  const markerLine = /^… selected lines? \d+(?:–\d+)? above …$/;
  return withoutRepeatedLines(items).reduce((n, item) => {
    const lines = item.text.split('\n');
    // A text that ends with a line break has no further line.
    const last = lines.length > 1 && lines.at(-1) === '' ? lines.length - 1 : lines.length;
    return n + lines.slice(0, last).filter((l) => !markerLine.test(l)).length;
  }, 0);
}

export function assembleChatPrompt(input: AssembleInput): AssembledPrompt {
  const counter = input.counter;
  const thread = input.thread.filter((m) => m.role !== 'system' && !(m.role === 'assistant' && m.content.length === 0 && m.status !== 'complete'));
  const last = thread.at(-1);
  if (!last || last.role !== 'user') {
    throw new Error('The thread to answer must end with a user message');
  }
  const contextBudget = Math.floor(input.promptBudget * CONTEXT_SHARE);
  const fitted = fitContext(withoutRepeatedLines(input.context), contextBudget, counter);
  const question = fitted.text.length > 0 ? `${fitted.text}\n\n${last.content}` : last.content;
  const messages: ChatMessage[] = [
    { role: 'system', content: input.system ?? DEFAULT_SYSTEM_PROMPT },
    ...thread.slice(0, -1).map((m) => ({ role: m.role, content: m.content })),
    { role: 'user', content: question },
  ];
  const layout = layoutChat(messages, input.promptBudget, counter);
  const parts = [...fitted.notes, `history: ${layout.report.summary}`, `${layout.tokens} of ${input.promptBudget} prompt tokens`];
  return { messages: layout.messages, tokens: layout.tokens, report: parts.join('; '), droppedMessages: layout.report.dropped, shortenedMessages: layout.report.trimmed, includedIds: fitted.included };
}

/** Per-message overhead of the chat template, as the layout counts it. */
const MESSAGE_OVERHEAD = 4;

/**
 * Tokens of what can never be left out: the system message and the user's question (without the context items,
 * which are trimmed to fit). When this exceeds the prompt budget, no trimming makes the prompt fit as asked.
 */
export function essentialPromptTokens(input: { readonly system?: string; readonly thread: readonly ChatHistoryMessage[]; readonly counter: TokenCounter }): number {
  const question = [...input.thread].reverse().find((m) => m.role === 'user')?.content ?? '';
  return input.counter.count(input.system ?? DEFAULT_SYSTEM_PROMPT) + input.counter.count(question) + 2 * MESSAGE_OVERHEAD;
}

/** Selections first (what the user pointed at), then files; a file that does not fit is cut, visibly. */
function fitContext(items: readonly ChatContextItem[], budget: number, counter: TokenCounter): { text: string; notes: string[]; included: string[] } {
  const ordered = [...items.filter((i) => i.kind === 'selection'), ...items.filter((i) => i.kind !== 'selection')];
  const included: string[] = [];
  const blocks: string[] = [];
  const notes: string[] = [];
  let left = budget;
  for (const item of ordered) {
    const fence = fenceFor(item.text);
    const header = `${item.kind === 'selection' ? 'Selected code from' : 'File'} ${item.label}:\n${fence}${item.languageId}\n`;
    const footer = `\n${fence}`;
    const overhead = counter.count(header + footer) + 2;
    const tokens = counter.count(item.text);
    if (tokens + overhead <= left) {
      blocks.push(header + item.text + footer);
      included.push(item.id);
      notes.push(`${item.label} included (${tokens} tokens)`);
      left -= tokens + overhead;
      continue;
    }
    const room = left - overhead - 8;
    if (room < 32) {
      notes.push(`${item.label} dropped (${tokens} tokens, no room)`);
      continue;
    }
    // Keep the start of the text, by lines, within the room.
    const lines = item.text.split('\n');
    let kept = 0;
    let used = 0;
    for (const line of lines) {
      const cost = counter.count(`${line}\n`);
      if (used + cost > room) {
        break;
      }
      used += cost;
      kept++;
    }
    const cut = `${lines.slice(0, kept).join('\n')}\n… [${lines.length - kept} more lines cut]`;
    blocks.push(header + cut + footer);
    included.push(item.id);
    notes.push(`${item.label} trimmed (${tokens} → ~${used} tokens)`);
    left -= used + overhead + 8;
  }
  return { text: blocks.join('\n\n'), notes: notes.length > 0 ? [`context: ${notes.join(', ')}`] : ['context: none'], included };
}

/** A fence longer than any backtick run in the text, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The follow-up a "shorter" / "more detail" click sends. */
export function adjustPrompt(style: 'shorter' | 'moreDetail'): string {
  return style === 'shorter' ? 'Please give a shorter answer: keep only what matters.' : 'Please explain that in more detail, with an example.';
}

/** A title from the first question. */
export function titleFrom(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || 'New conversation';
}
