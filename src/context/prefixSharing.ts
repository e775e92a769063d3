/**
 * How many prompt tokens two consecutive requests share at their start: what a server with a prefix KV
 * cache (Ollama, llama-server `cache_prompt`) can reuse instead of recomputing. Pure: no `vscode` import.
 */
import { safeCut } from './tokenCounter';
import type { TokenCounter } from './tokenCounter';

/** Shared prefix of two prompts in tokens. */
export interface PrefixSharing {
  /** Tokens of the common prefix (cut back to the last line boundary before the first difference). */
  readonly shared: number;
  /** Tokens of the second prompt `b` (the one being sent). */
  readonly total: number;
  /** shared / total (1 when `b` is empty). */
  readonly ratio: number;
}

/** Length of the common prefix of two strings in UTF-16 units, not splitting a surrogate pair. */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  // Compare in blocks first: most prompts share long prefixes.
  const block = 256;
  while (i + block <= n && a.slice(i, i + block) === b.slice(i, i + block)) {
    i += block;
  }
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) {
    i += 1;
  }
  return i === n ? i : safeCut(a, i);
}

/**
 * Estimates the tokens `b` shares with `a` at the start. The tokens straddling the first difference are
 * not reusable, so the shared part is cut back to the last line break before it (token boundaries almost
 * always fall there, and the last line may merge with what follows it). Identical prompts share everything.
 */
export function sharedPrefixTokens(a: string, b: string, counter: TokenCounter): PrefixSharing {
  const total = counter.count(b);
  if (total === 0) {
    return { shared: 0, total: 0, ratio: 1 };
  }
  let common = commonPrefixLength(a, b);
  if (common < a.length || common < b.length) {
    // Tokenisation at the boundary may differ: keep only up to the last newline of the common part.
    const lastBreak = common === 0 ? -1 : a.lastIndexOf('\n', common - 1);
    common = lastBreak === -1 ? 0 : lastBreak + 1;
  }
  const shared = Math.min(total, counter.count(b.slice(0, common)));
  return { shared, total, ratio: shared / total };
}

/**
 * Follows a run of consecutive requests (e.g. one per keystroke) and measures how stable their prompts are:
 * the share of each prompt's tokens it has in common with the one before (what a prefix KV cache can reuse),
 * the same for the code prefix alone, and how often the prefix window's start moved.
 */
export class PrefixStabilityMeter {
  /** Per request after the first: shared tokens / prompt tokens. */
  readonly ratios: number[] = [];
  /** Per request after the first: the same for the code prefix alone. */
  readonly prefixRatios: number[] = [];
  /** Requests whose prefix window started elsewhere than the previous one's. */
  moves = 0;
  private previous: { prompt: string; prefix: string; start: number } | undefined;

  constructor(private readonly counter: TokenCounter) {}

  /** Records one request: its whole prompt, its code prefix, and where that prefix starts in the document. */
  observe(prompt: string, prefix: string, prefixStart: number): void {
    const previous = this.previous;
    if (previous !== undefined) {
      this.ratios.push(sharedPrefixTokens(previous.prompt, prompt, this.counter).ratio);
      this.prefixRatios.push(sharedPrefixTokens(previous.prefix, prefix, this.counter).ratio);
      if (prefixStart !== previous.start) {
        this.moves += 1;
      }
    }
    this.previous = { prompt, prefix, start: prefixStart };
  }

  /** Mean of {@link ratios} (1 before a second request). */
  get meanRatio(): number {
    return mean(this.ratios);
  }

  /** Mean of {@link prefixRatios} (1 before a second request). */
  get meanPrefixRatio(): number {
    return mean(this.prefixRatios);
  }
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 1 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
