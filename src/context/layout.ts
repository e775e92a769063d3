/**
 * Prompt layout for how models read: they attend best to the start and the end of a prompt and lose the
 * middle. So the start edge holds the instructions and pinned key code, the end edge holds the code at the
 * cursor or selection and, last, the question; ranked supporting context fills the middle, the most
 * relevant nearest the end edge (next to the question, where attention is high; the start edge is already
 * taken by instructions that must stay first for prefix reuse).
 *
 * Over budget, the middle goes first (lowest rank first; the item at the boundary is shrunk to the lines
 * nearest its focus line), the edges last and only visibly (a `… [N lines cut] …` marker).
 * The result never exceeds the budget as measured by the same counter; when even the markers cannot fit,
 * a `TieredError` of kind `contextOverflow` is thrown. Identical inputs give identical bytes.
 *
 * Stable prefix: what changes least comes first (instructions, pinned files), ordering is deterministic
 * (ties broken by id), so consecutive requests share a long prefix and the server reuses its KV cache.
 *
 * Pure: no `vscode` import.
 */
import type { ChatMessage } from '../backend/types';
import { TieredError } from '../backend/errors';
import { contextItemKinds, defaultRenderer, regionOf } from './items';
import type { ContextItem, ContextItemKind, ItemRenderer } from './items';
import { longestFit } from './longestFit';
import { safeCut } from './tokenCounter';
import type { TokenCounter } from './tokenCounter';

/** Options of {@link layoutPrompt}. */
export interface LayoutOptions {
  /** How an item becomes text (default {@link defaultRenderer}). Must be deterministic. */
  readonly render?: ItemRenderer;
  /** Between segments (default a blank line). */
  readonly separator?: string;
  /**
   * Order of the supporting items in the middle: `rank` (default) puts the most relevant nearest the end
   * edge; `stable` sorts them by id, which keeps the prefix identical across queries (better KV reuse)
   * at the price of relevance-blind placement.
   */
  readonly middleOrder?: 'rank' | 'stable';
  /** A middle item is not shrunk to fewer tokens than this; it is dropped instead (default 32). */
  readonly minTrimTokens?: number;
}

/** Where one item ended up. */
export interface LayoutSegment {
  readonly id: string;
  readonly kind: ContextItemKind;
  readonly title: string | undefined;
  /** Character offset in the prompt text (-1 when dropped). */
  readonly start: number;
  /** Tokens of the rendered segment (0 when dropped). */
  readonly tokens: number;
  /** Part of the item was cut (a marker says so in the text). */
  readonly trimmed: boolean;
  /** The item is not in the prompt at all. */
  readonly dropped: boolean;
  /**
   * Lines of a trimmed item's text that were cut; 0 for whole items and for dropped ones (all of a dropped
   * item is cut: not counted, since most of 200 candidates may be dropped and scanning them costs time).
   */
  readonly linesCut: number;
}

/** Counts for one kind. */
export interface KindCounts {
  /** In the prompt, whole or trimmed. */
  readonly included: number;
  /** In the prompt but trimmed. */
  readonly trimmed: number;
  readonly dropped: number;
}

/** What was kept and dropped, for the UI ("4 files, 1 trimmed, 2 dropped"). */
export interface ContextReport {
  readonly byKind: Readonly<Record<ContextItemKind, KindCounts>>;
  readonly included: number;
  readonly trimmed: number;
  readonly dropped: number;
  readonly trimmedIds: readonly string[];
  readonly droppedIds: readonly string[];
  /** An edge item (instructions, pinned code, the cursor/selection code or the question) was cut. */
  readonly edgesCut: boolean;
  readonly tokens: number;
  readonly budget: number;
  /** e.g. "4 files, 1 trimmed, 2 dropped". */
  readonly summary: string;
}

/** A laid-out prompt. */
export interface PromptLayout {
  readonly text: string;
  readonly segments: readonly LayoutSegment[];
  readonly report: ContextReport;
  /** `counter.count(text)`: never above the budget. */
  readonly tokens: number;
}

/** Builds the overflow error used when not even the cut markers fit. */
export function budgetTooSmall(budget: number, minimum: number): TieredError {
  return new TieredError(
    'contextOverflow',
    `The context budget (${budget} tokens) is too small even for the essential parts of the prompt in their shortest form (about ${minimum} tokens). Use a model with a longer context or a smaller answer reserve.`,
    { promptTokens: minimum, contextTokens: budget },
    { kind: 'openSettings', setting: 'tiered.context.answerReserveTokens' },
  );
}

/** The marker put where lines were cut. */
export function cutMarker(lines: number): string {
  return `… [${lines} line${lines === 1 ? '' : 's'} cut] …`;
}

function charMarker(chars: number): string {
  return `… [${chars} characters cut] …`;
}

/**
 * No token of any tokenizer we meet covers more characters than this (tiktoken chunks longer pieces).
 * Used only to skip counting texts that obviously cannot fit; every result is still measured.
 */
const maxCharsPerToken = 256;

interface Placed {
  readonly item: ContextItem;
  readonly index: number;
  text: string;
  rendered: string;
  tokens: number;
  trimmed: boolean;
  dropped: boolean;
  linesCut: number;
}

interface Shrunk {
  readonly text: string;
  readonly rendered: string;
  readonly tokens: number;
  readonly linesCut: number;
}

function lineCount(text: string): number {
  let n = 1;
  let i = text.indexOf('\n');
  while (i !== -1) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

function byId(a: Placed, b: Placed): number {
  return a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : a.index - b.index;
}

function rankOf(p: Placed): number {
  const r = p.item.rank;
  return r !== undefined && Number.isFinite(r) ? r : 0;
}

/**
 * Shrinks an item to at most `target` tokens (rendered), keeping the lines nearest its focus line,
 * cut on line boundaries with markers; a single line too long to fit is cut by characters.
 * Undefined when not even a marker fits.
 */
function shrinkItem(item: ContextItem, target: number, counter: TokenCounter, render: ItemRenderer): Shrunk | undefined {
  if (target <= 0) {
    return undefined;
  }
  const lines = item.text.split('\n');
  const n = lines.length;
  const defaultFocus = item.kind === 'cursor' ? n - 1 : 0;
  const rawFocus = item.focusLine !== undefined && Number.isFinite(item.focusLine) ? Math.round(item.focusLine) : defaultFocus;
  const focus = Math.min(n - 1, Math.max(0, rawFocus));
  // Code above the cursor matters more than below; elsewhere what follows the focus line (a body) matters more.
  const preferAbove = item.kind === 'cursor';

  const build = (lo: number, hi: number): string => {
    const parts: string[] = [];
    if (lo > 0) {
      parts.push(cutMarker(lo));
    }
    for (let i = lo; i <= hi; i++) {
      parts.push(lines[i] ?? '');
    }
    if (hi < n - 1) {
      parts.push(cutMarker(n - 1 - hi));
    }
    return parts.join('\n');
  };
  const measure = (text: string): Shrunk & { fits: boolean } => {
    const rendered = render(item, text);
    const tokens = counter.count(rendered);
    return { text, rendered, tokens, linesCut: 0, fits: tokens <= target };
  };

  const overhead = counter.count(render(item, ''));
  const markerCost = counter.count(cutMarker(n)) + 1;
  const costs = new Map<number, number>();
  const avail = target - overhead - 2 * markerCost;
  const cost = (i: number): number => {
    let c = costs.get(i);
    if (c === undefined) {
      const line = lines[i] ?? '';
      // A line far longer than the room cannot fit: skip counting it.
      c = line.length > Math.max(0, avail) * maxCharsPerToken ? Number.POSITIVE_INFINITY : counter.count(line) + 1;
      costs.set(i, c);
    }
    return c;
  };

  if (avail >= cost(focus)) {
    let lo = focus;
    let hi = focus;
    let used = cost(focus);
    let aboveOpen = true;
    let belowOpen = true;
    while (aboveOpen || belowOpen) {
      const canAbove = aboveOpen && lo > 0;
      const canBelow = belowOpen && hi < n - 1;
      if (!canAbove && !canBelow) {
        break;
      }
      // Alternate around the focus, nearest line first; ties go to the preferred side.
      const distAbove = focus - (lo - 1);
      const distBelow = hi + 1 - focus;
      const goAbove = canAbove && (!canBelow || distAbove < distBelow || (distAbove === distBelow && preferAbove));
      if (goAbove) {
        const c = cost(lo - 1);
        if (used + c <= avail) {
          lo -= 1;
          used += c;
        } else {
          aboveOpen = false;
        }
      } else {
        const c = cost(hi + 1);
        if (used + c <= avail) {
          hi += 1;
          used += c;
        } else {
          belowOpen = false;
        }
      }
    }
    // Per-line sums are an estimate of the joined text's count: verify, and give back lines if needed.
    for (;;) {
      const m = measure(build(lo, hi));
      if (m.fits) {
        return { text: m.text, rendered: m.rendered, tokens: m.tokens, linesCut: n - (hi - lo + 1) };
      }
      if (lo === hi) {
        break;
      }
      if (hi - focus >= focus - lo) {
        hi -= 1;
      } else {
        lo += 1;
      }
    }
  }

  // The focus line alone does not fit: keep part of it (its end for the cursor, its start otherwise).
  const line = lines[focus] ?? '';
  const before = focus > 0 ? `${cutMarker(focus)}\n` : '';
  const after = focus < n - 1 ? `\n${cutMarker(n - 1 - focus)}` : '';
  const keepEnd = item.kind === 'cursor';
  const withChars = (keep: number): string => {
    const cutChars = line.length - keep;
    if (keepEnd) {
      const from = safeCut(line, line.length - keep);
      return `${before}${cutChars > 0 ? `${charMarker(line.length - (line.length - from))} ` : ''}${line.slice(from)}${after}`;
    }
    const to = safeCut(line, keep);
    return `${before}${line.slice(0, to)}${cutChars > 0 ? ` ${charMarker(line.length - to)}` : ''}${after}`;
  };
  const first = measure(withChars(0));
  if (!first.fits) {
    return undefined;
  }
  const keep = longestFit(line.length, target, (k) => counter.count(render(item, withChars(k))));
  const m = keep === 0 ? first : measure(withChars(keep));
  return { text: m.text, rendered: m.rendered, tokens: m.tokens, linesCut: n - 1 };
}

/** The shortest visible stand-in for an edge item: its heading and a marker, or a bare marker. */
function stubFor(item: ContextItem, counter: TokenCounter, render: ItemRenderer): Shrunk {
  const n = lineCount(item.text);
  const marker = `… [all ${n} line${n === 1 ? '' : 's'} cut] …`;
  const rendered = render(item, marker);
  const bare = `… [${item.title ?? item.kind} cut: ${n} line${n === 1 ? '' : 's'}] …`;
  const renderedTokens = counter.count(rendered);
  const bareTokens = counter.count(bare);
  return renderedTokens <= bareTokens + 8
    ? { text: marker, rendered, tokens: renderedTokens, linesCut: n }
    : { text: bare, rendered: bare, tokens: bareTokens, linesCut: n };
}

function emptyCounts(): Record<ContextItemKind, KindCounts> {
  const counts: Partial<Record<ContextItemKind, KindCounts>> = {};
  for (const kind of contextItemKinds) {
    counts[kind] = { included: 0, trimmed: 0, dropped: 0 };
  }
  return {
    instructions: counts.instructions ?? { included: 0, trimmed: 0, dropped: 0 },
    pinned: counts.pinned ?? { included: 0, trimmed: 0, dropped: 0 },
    supporting: counts.supporting ?? { included: 0, trimmed: 0, dropped: 0 },
    history: counts.history ?? { included: 0, trimmed: 0, dropped: 0 },
    selection: counts.selection ?? { included: 0, trimmed: 0, dropped: 0 },
    cursor: counts.cursor ?? { included: 0, trimmed: 0, dropped: 0 },
    question: counts.question ?? { included: 0, trimmed: 0, dropped: 0 },
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function summarize(byKind: Record<ContextItemKind, KindCounts>, edgesCut: boolean): string {
  // "Files" are the code items (pinned, supporting, selection, cursor); history turns are counted apart.
  const codeKinds: ContextItemKind[] = ['pinned', 'supporting', 'selection', 'cursor'];
  let files = 0;
  let trimmed = 0;
  let dropped = 0;
  for (const kind of codeKinds) {
    files += byKind[kind].included;
    trimmed += byKind[kind].trimmed;
    dropped += byKind[kind].dropped;
  }
  const parts = [plural(files, 'file', 'files')];
  if (trimmed > 0) {
    parts.push(`${trimmed} trimmed`);
  }
  if (dropped > 0) {
    parts.push(`${dropped} dropped`);
  }
  const history = byKind.history;
  if (history.included + history.dropped > 0) {
    parts.push(plural(history.included, 'earlier turn', 'earlier turns') + (history.dropped > 0 ? ` (${history.dropped} dropped)` : ''));
  }
  if (edgesCut) {
    parts.push('edges shortened to fit');
  }
  return parts.join(', ');
}

/** Orders items: start edge, middle, end edge; the question last. */
function orderItems(placed: Placed[], middleOrder: 'rank' | 'stable'): Placed[] {
  const ofKind = (kind: ContextItemKind): Placed[] => placed.filter((p) => p.item.kind === kind);
  const supporting = ofKind('supporting').sort(middleOrder === 'stable' ? byId : (a, b) => rankOf(a) - rankOf(b) || byId(a, b));
  return [...ofKind('instructions'), ...ofKind('pinned'), ...supporting, ...ofKind('history'), ...ofKind('selection'), ...ofKind('cursor'), ...ofKind('question')];
}

function attempt(ordered: Placed[], budget: number, counter: TokenCounter, render: ItemRenderer, sepCost: number, minTrim: number): void {
  for (const p of ordered) {
    p.text = p.item.text;
    p.rendered = '';
    p.tokens = 0;
    p.trimmed = false;
    p.dropped = false;
    p.linesCut = 0;
  }
  const edges = ordered.filter((p) => regionOf(p.item.kind) !== 'middle');
  const middle = ordered.filter((p) => regionOf(p.item.kind) === 'middle');
  for (const p of edges) {
    p.rendered = render(p.item, p.text);
    p.tokens = counter.count(p.rendered);
  }
  const totalOf = (list: Placed[]): number => {
    let sum = 0;
    let count = 0;
    for (const p of list) {
      if (!p.dropped) {
        sum += p.tokens;
        count += 1;
      }
    }
    return sum + sepCost * Math.max(0, count - 1);
  };
  let total = totalOf(edges);

  if (total <= budget) {
    // Fill the middle by priority: the latest history first, then supporting items by rank.
    const history = middle.filter((p) => p.item.kind === 'history').reverse();
    const supporting = middle.filter((p) => p.item.kind === 'supporting').sort((a, b) => rankOf(b) - rankOf(a) || byId(a, b));
    let full = false;
    for (const p of [...history, ...supporting]) {
      if (full) {
        p.dropped = true;
        continue;
      }
      p.rendered = render(p.item, p.text);
      // A text far longer than the room left cannot fit: no need to count it (1 MB minified files).
      const hopeless = p.rendered.length > (budget - total) * maxCharsPerToken;
      p.tokens = hopeless ? Number.POSITIVE_INFINITY : counter.count(p.rendered);
      const extra = p.tokens + (total > 0 || edges.length > 0 ? sepCost : 0);
      if (total + extra <= budget) {
        total += extra;
        continue;
      }
      full = true;
      const room = budget - total - sepCost;
      const shrunk = room >= minTrim ? shrinkItem(p.item, room, counter, render) : undefined;
      if (shrunk === undefined) {
        p.dropped = true;
      } else {
        p.text = shrunk.text;
        p.rendered = shrunk.rendered;
        p.tokens = shrunk.tokens;
        p.trimmed = true;
        p.linesCut = shrunk.linesCut;
        total += shrunk.tokens + sepCost;
      }
    }
    return;
  }

  // The edges alone are over budget: drop the whole middle, then cut edges visibly, least essential first.
  for (const p of middle) {
    p.dropped = true;
  }
  const ofKind = (kind: ContextItemKind): Placed[] => edges.filter((p) => p.item.kind === kind);
  const cutOrder = [...ofKind('pinned').reverse(), ...ofKind('instructions').reverse(), ...ofKind('cursor').reverse(), ...ofKind('selection').reverse(), ...ofKind('question').reverse()];
  // First pass: pinned code may be cut to a stub, but the instructions, the code at the cursor or
  // selection and the question keep at least a quarter of themselves (short ones stay whole);
  // second pass, only if still over: anything down to a stub.
  for (const pass of [1, 2]) {
    for (const p of cutOrder) {
      total = totalOf(edges);
      const over = total - budget;
      if (over <= 0) {
        break;
      }
      const floor = pass === 1 && p.item.kind !== 'pinned' ? Math.min(p.tokens, Math.max(48, Math.ceil(p.tokens / 4)), Math.floor(budget / 3)) : 0;
      const target = Math.max(floor, p.tokens - over);
      if (target >= p.tokens) {
        continue;
      }
      const shrunk = shrinkItem(p.item, target, counter, render) ?? (pass === 2 || floor === 0 ? stubFor(p.item, counter, render) : undefined);
      if (shrunk !== undefined && shrunk.tokens < p.tokens) {
        p.text = shrunk.text;
        p.rendered = shrunk.rendered;
        p.tokens = shrunk.tokens;
        p.trimmed = true;
        p.linesCut = shrunk.linesCut;
      }
    }
  }
  total = totalOf(edges);
  if (total > budget) {
    throw budgetTooSmall(budget, total);
  }
}

// Counts of rendered segments, per counter, kept across layouts: consecutive requests (chat follow-ups,
// a re-asked question, the same open files) mostly lay out the same items, so only the final text needs
// counting again. Bounded by the total length of the remembered texts.
const segmentCounts = new WeakMap<TokenCounter, Map<string, number>>();
const segmentMemoMaxChars = 2_000_000;
const segmentMemoChars = new WeakMap<TokenCounter, { chars: number }>();

/** Counts long texts once (within a layout, and across layouts for the same counter). */
function memoized(counter: TokenCounter): TokenCounter {
  let memo = segmentCounts.get(counter);
  let size = segmentMemoChars.get(counter);
  if (memo === undefined || size === undefined) {
    memo = new Map();
    size = { chars: 0 };
    segmentCounts.set(counter, memo);
    segmentMemoChars.set(counter, size);
  }
  const cache = memo;
  const stored = size;
  return {
    count(text: string): number {
      if (text.length < 256) {
        return counter.count(text);
      }
      let n = cache.get(text);
      if (n === undefined) {
        n = counter.count(text);
        if (stored.chars + text.length > segmentMemoMaxChars) {
          cache.clear();
          stored.chars = 0;
        }
        if (text.length <= segmentMemoMaxChars / 4) {
          cache.set(text, n);
          stored.chars += text.length;
        }
      }
      return n;
    },
  };
}

/**
 * Lays out items into a prompt of at most `budgetTokens` tokens (as `counter` counts them).
 * Throws a `TieredError` (`contextOverflow`) only when not even the edges' cut markers fit.
 */
export function layoutPrompt(items: readonly ContextItem[], budgetTokens: number, counter: TokenCounter, options: LayoutOptions = {}): PromptLayout {
  const budget = Number.isFinite(budgetTokens) ? Math.max(0, Math.floor(budgetTokens)) : 0;
  const render = options.render ?? defaultRenderer;
  const separator = options.separator ?? '\n\n';
  counter = memoized(counter);
  const sepCost = counter.count(separator);
  const minTrim = Math.max(1, options.minTrimTokens ?? 32);
  const placed: Placed[] = items.map((item, index) => ({ item, index, text: item.text, rendered: '', tokens: 0, trimmed: false, dropped: false, linesCut: 0 }));
  const ordered = orderItems(placed, options.middleOrder ?? 'rank');

  // Token counts of parts need not add up to the count of the whole; if the joined text is over,
  // lay out again against a budget lowered by the excess.
  let effective = budget;
  for (let tries = 0; tries < 6; tries++) {
    attempt(ordered, effective, counter, render, sepCost, minTrim);
    const kept = ordered.filter((p) => !p.dropped);
    const text = kept.map((p) => p.rendered).join(separator);
    const tokens = counter.count(text);
    if (tokens <= budget) {
      return finish(ordered, text, separator, tokens, budget);
    }
    effective -= tokens - budget + tries + 1;
    if (effective < 0) {
      break;
    }
  }
  throw budgetTooSmall(budget, budget + 1);
}

function finish(ordered: Placed[], text: string, separator: string, tokens: number, budget: number): PromptLayout {
  const segments: LayoutSegment[] = [];
  const byKind = emptyCounts();
  const trimmedIds: string[] = [];
  const droppedIds: string[] = [];
  let offset = 0;
  let first = true;
  let edgesCut = false;
  for (const p of ordered) {
    const kind = p.item.kind;
    const counts = byKind[kind];
    if (p.dropped) {
      segments.push({ id: p.item.id, kind, title: p.item.title, start: -1, tokens: 0, trimmed: false, dropped: true, linesCut: 0 });
      byKind[kind] = { ...counts, dropped: counts.dropped + 1 };
      droppedIds.push(p.item.id);
      continue;
    }
    if (!first) {
      offset += separator.length;
    }
    first = false;
    segments.push({ id: p.item.id, kind, title: p.item.title, start: offset, tokens: p.tokens, trimmed: p.trimmed, dropped: false, linesCut: p.linesCut });
    offset += p.rendered.length;
    byKind[kind] = { included: counts.included + 1, trimmed: counts.trimmed + (p.trimmed ? 1 : 0), dropped: counts.dropped };
    if (p.trimmed) {
      trimmedIds.push(p.item.id);
      if (regionOf(kind) !== 'middle') {
        edgesCut = true;
      }
    }
  }
  let included = 0;
  let trimmed = 0;
  let dropped = 0;
  for (const kind of contextItemKinds) {
    included += byKind[kind].included;
    trimmed += byKind[kind].trimmed;
    dropped += byKind[kind].dropped;
  }
  const report: ContextReport = {
    byKind,
    included,
    trimmed,
    dropped,
    trimmedIds,
    droppedIds,
    edgesCut,
    tokens,
    budget,
    summary: summarize(byKind, edgesCut),
  };
  return { text, segments, report, tokens };
}

// ---------------------------------------------------------------------------------------------------
// Chat: the same idea for a message list. System messages stay first, the latest turns stay last, and
// the oldest turns in between are dropped first, visibly.

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
  const summary = `${plural(out.length, 'message', 'messages')}${dropped > 0 ? `, ${dropped} earlier dropped` : ''}${trimmed > 0 ? `, ${trimmed} shortened` : ''}`;
  return { messages: out, tokens, report: { kept: out.length, dropped, trimmed, tokens, budget, summary } };
}
