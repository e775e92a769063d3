/**
 * Shrinking one item to a token target, visibly: the lines nearest its focus line are kept and a
 * `… [N lines cut] …` marker stands where lines went; the overflow error when not even markers fit.
 * Shared by the prompt layout and the chat layout. Pure: no `vscode` import.
 */
import { TieredError } from '../backend/errors';
import type { ContextItem, ItemRenderer } from './items';
import { longestFit } from './longestFit';
import { safeCut } from './tokenCounter';
import type { TokenCounter } from './tokenCounter';
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
export const maxCharsPerToken = 256;

/** An item shrunk to fit: its text, rendered text, tokens, and how many of its lines were cut. */
export interface Shrunk {
  readonly text: string;
  readonly rendered: string;
  readonly tokens: number;
  readonly linesCut: number;
}

/** Lines of a text (a text without a newline is one line). */
export function lineCount(text: string): number {
  let n = 1;
  let i = text.indexOf('\n');
  while (i !== -1) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

/**
 * Shrinks an item to at most `target` tokens (rendered), keeping the lines nearest its focus line,
 * cut on line boundaries with markers; a single line too long to fit is cut by characters.
 * Undefined when not even a marker fits.
 */
export function shrinkItem(item: ContextItem, target: number, counter: TokenCounter, render: ItemRenderer): Shrunk | undefined {
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
export function stubFor(item: ContextItem, counter: TokenCounter, render: ItemRenderer): Shrunk {
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
