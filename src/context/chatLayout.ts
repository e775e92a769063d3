/**
 * Chat layout: the prompt layout's idea for a message list. System messages stay first, the latest turns
 * stay last, and the oldest turns in between are dropped first, visibly.
 * Pure: no `vscode` import.
 */
import type { ChatMessage } from '../backend/types';
import type { ContextItem } from './items';
import { memoized } from './segmentMemo';
import { budgetTooSmall, cutMarker, lineCount, shrinkItem } from './shrink';
import type { TokenCounter } from './tokenCounter';

/** Options of {@link layoutChat}. */
export interface ChatLayoutOptions {
  /** Tokens a message costs beyond its content (role markers of the chat template). Default 4. */
  readonly messageOverhead?: number;
}

/** What {@link layoutChat} kept. */
export interface ChatLayoutReport {
  readonly kept: number;
  readonly dropped: number;
  /** Messages whose content was shortened (system or last message over budget). */
  readonly trimmed: number;
  readonly tokens: number;
  readonly budget: number;
  /** e.g. "6 messages, 4 earlier dropped". */
  readonly summary: string;
}

/** A chat history fitted to a budget. */
export interface ChatLayout {
  readonly messages: readonly ChatMessage[];
  /** Sum of content tokens plus the per-message overhead: never above the budget. */
  readonly tokens: number;
  readonly report: ChatLayoutReport;
}

/** The note put at the start of the first kept turn when earlier turns were dropped. */
export function droppedTurnsMarker(count: number): string {
  return `… [${count} earlier message${count === 1 ? '' : 's'} cut] …`;
}

/**
 * Fits a chat to `budgetTokens`: keeps every system message (first) and the last message, then as many of
 * the latest turns as fit; older turns are dropped, and the first kept turn says how many. If the system
 * messages and the last message alone are too long, they are shortened visibly (the system message keeps
 * its start, the last message its end, where the question is). Throws `contextOverflow` only if not even that fits.
 */
export function layoutChat(messages: readonly ChatMessage[], budgetTokens: number, counter: TokenCounter, options: ChatLayoutOptions = {}): ChatLayout {
  const budget = Number.isFinite(budgetTokens) ? Math.max(0, Math.floor(budgetTokens)) : 0;
  // Earlier turns come back with every request: their counts are remembered across calls.
  counter = memoized(counter);
  const overhead = Math.max(0, options.messageOverhead ?? 4);
  const cost = (content: string): number => counter.count(content) + overhead;
  const sum = (list: readonly ChatMessage[]): number => list.reduce((s, m) => s + cost(m.content), 0);
  if (messages.length === 0) {
    return { messages: [], tokens: 0, report: { kept: 0, dropped: 0, trimmed: 0, tokens: 0, budget, summary: '0 messages' } };
  }
  let system: ChatMessage[] = messages.filter((m) => m.role === 'system');
  const turns = messages.filter((m) => m.role !== 'system');
  let last: ChatMessage | undefined = turns.at(-1);
  const middle = turns.slice(0, -1);
  let trimmed = 0;

  const fixedCost = (): number => sum(system) + (last === undefined ? 0 : cost(last.content));
  // If not every turn fits, room is kept for the "earlier messages cut" note.
  const needNote = middle.length > 0 && fixedCost() + sum(middle) > budget;
  const noteReserve = needNote ? counter.count(droppedTurnsMarker(middle.length)) + counter.count('\n\n') + 1 : 0;
  const limit = budget - noteReserve;

  // Shorten the last message first (keeping its end, where the question is), then the system messages (keeping their start).
  if (fixedCost() > limit && last !== undefined) {
    const lastMsg: ChatMessage = last;
    const target = counter.count(lastMsg.content) - (fixedCost() - limit);
    const item: ContextItem = { kind: 'cursor', id: 'last', text: lastMsg.content, focusLine: lineCount(lastMsg.content) - 1 };
    const shrunk = shrinkItem(item, target, counter, (_i, t) => t);
    last = { role: lastMsg.role, content: shrunk?.text ?? cutMarker(lineCount(lastMsg.content)) };
    trimmed += 1;
  }
  for (let k = system.length - 1; k >= 0 && fixedCost() > limit; k--) {
    const m = system[k];
    if (m === undefined) {
      continue;
    }
    const target = counter.count(m.content) - (fixedCost() - limit);
    const item: ContextItem = { kind: 'instructions', id: 'system', text: m.content, focusLine: 0 };
    const shrunk = shrinkItem(item, target, counter, (_i, t) => t);
    system = system.map((s, j) => (j === k ? { role: m.role, content: shrunk?.text ?? cutMarker(lineCount(m.content)) } : s));
    trimmed += 1;
  }
  let total = fixedCost();
  if (total > limit) {
    throw budgetTooSmall(budget, total + noteReserve);
  }

  // The latest middle turns, while they fit.
  let firstKept = middle.length;
  for (let i = middle.length - 1; i >= 0; i--) {
    const m = middle[i];
    if (m === undefined) {
      break;
    }
    const c = cost(m.content);
    if (total + c > limit) {
      break;
    }
    total += c;
    firstKept = i;
  }
  // A conversation should resume with a user turn: skip an assistant turn left first by the cut.
  if (firstKept > 0) {
    while (firstKept < middle.length && middle[firstKept]?.role === 'assistant') {
      firstKept += 1;
    }
  }
  const compose = (from: number): ChatMessage[] => {
    const out: ChatMessage[] = [...middle.slice(from), ...(last === undefined ? [] : [last])];
    const head = out[0];
    if (from > 0 && head !== undefined) {
      out[0] = { role: head.role, content: `${droppedTurnsMarker(from)}\n\n${head.content}` };
    }
    return [...system, ...out];
  };
  let out = compose(firstKept);
  let tokens = sum(out);
  // The note's real cost can differ slightly from the reserve: give up older turns until it fits.
  while (tokens > budget && firstKept < middle.length) {
    firstKept += 1;
    out = compose(firstKept);
    tokens = sum(out);
  }
  if (tokens > budget) {
    throw budgetTooSmall(budget, tokens);
  }
  const dropped = firstKept;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const summary = `${plural(out.length, 'message', 'messages')}${dropped > 0 ? `, ${dropped} earlier dropped` : ''}${trimmed > 0 ? `, ${trimmed} shortened` : ''}`;
  return { messages: out, tokens, report: { kept: out.length, dropped, trimmed, tokens, budget, summary } };
}
