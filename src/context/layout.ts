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
import { contextItemKinds, defaultRenderer, regionOf } from './items';
import type { ContextItem, ContextItemKind, ItemRenderer } from './items';
import { memoized } from './segmentMemo';
import { budgetTooSmall, lineCount, maxCharsPerToken, shrinkItem, stubFor } from './shrink';
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


function byId(a: Placed, b: Placed): number {
  return a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : a.index - b.index;
}

function rankOf(p: Placed): number {
  const r = p.item.rank;
  return r !== undefined && Number.isFinite(r) ? r : 0;
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

/**
 * Fills the middle by priority: the latest history first (whole, then the boundary turn trimmed), then the
 * supporting items. Supporting items with a short form (signature + doc comment) all get it first, by rank;
 * then items are made whole by rank while they fit; the first that does not fit keeps its short form, or, when
 * it has none, is shrunk into the room left (lines nearest its focus). So a lower-ranked item is never whole
 * while a higher-ranked one is missing or short, and shortening comes before dropping.
 */
function fillMiddle(middle: Placed[], startTotal: number, hasEdges: boolean, budget: number, counter: TokenCounter, render: ItemRenderer, sepCost: number, minTrim: number): void {
  let total = startTotal;
  const sep = (): number => (total > 0 || hasEdges ? sepCost : 0);
  const place = (p: Placed, shrunk: { text: string; rendered: string; tokens: number; linesCut: number }, trimmed: boolean): void => {
    p.text = shrunk.text;
    p.rendered = shrunk.rendered;
    p.tokens = shrunk.tokens;
    p.trimmed = trimmed;
    p.linesCut = shrunk.linesCut;
    p.dropped = false;
  };
  const measure = (p: Placed, text: string): { text: string; rendered: string; tokens: number } => {
    const rendered = render(p.item, text);
    // A text far longer than the room left cannot fit: no need to count it (1 MB minified files).
    const hopeless = rendered.length > Math.max(0, budget - total) * maxCharsPerToken;
    return { text, rendered, tokens: hopeless ? Number.POSITIVE_INFINITY : counter.count(rendered) };
  };

  const history = middle.filter((p) => p.item.kind === 'history').reverse();
  const supporting = middle.filter((p) => p.item.kind === 'supporting').sort((a, b) => rankOf(b) - rankOf(a) || byId(a, b));
  for (const p of supporting) {
    p.dropped = true;
  }
  let full = false;
  for (const p of history) {
    if (full) {
      p.dropped = true;
      continue;
    }
    const whole = measure(p, p.item.text);
    if (total + whole.tokens + sep() <= budget) {
      total += whole.tokens + sep();
      place(p, { ...whole, linesCut: 0 }, false);
      continue;
    }
    full = true;
    const room = budget - total - sepCost;
    const shrunk = room >= minTrim ? shrinkItem(p.item, room, counter, render) : undefined;
    if (shrunk === undefined) {
      p.dropped = true;
    } else {
      total += shrunk.tokens + sepCost;
      place(p, shrunk, true);
    }
  }
  if (full) {
    return;
  }

  // Short forms first, by rank, while they fit.
  const shortForm = new Set<Placed>();
  for (const p of supporting) {
    const summary = p.item.summary;
    if (summary === undefined || summary.length >= p.item.text.length) {
      continue;
    }
    const short = measure(p, summary);
    if (total + short.tokens + sep() > budget) {
      // No room even for this short form: nothing ranked lower may take room either.
      return;
    }
    total += short.tokens + sep();
    place(p, { ...short, linesCut: Math.max(1, lineCount(p.item.text) - lineCount(summary) + 1) }, true);
    shortForm.add(p);
  }
  // Then whole items, by rank; the first that does not fit takes what room is left, and the rest stay as they are.
  for (const p of supporting) {
    const placedTokens = p.dropped ? 0 : p.tokens;
    const placedSep = p.dropped ? sep() : 0;
    const whole = measure(p, p.item.text);
    if (total - placedTokens + whole.tokens + placedSep <= budget) {
      total += whole.tokens - placedTokens + placedSep;
      place(p, { ...whole, linesCut: 0 }, false);
      continue;
    }
    if (shortForm.has(p)) {
      // Its contract is there; half a body would say less (and can mislead).
      return;
    }
    const room = budget - total + placedTokens - placedSep;
    const shrunk = room >= minTrim ? shrinkItem(p.item, room, counter, render) : undefined;
    if (shrunk !== undefined) {
      total += shrunk.tokens - placedTokens + placedSep;
      place(p, shrunk, true);
    }
    return;
  }
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
    fillMiddle(middle, total, edges.length > 0, budget, counter, render, sepCost, minTrim);
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
