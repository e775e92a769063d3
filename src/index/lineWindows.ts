/**
 * Line arithmetic for chunking: token estimates over line ranges, and windows of lines with overlap (the fallback
 * for files no grammar parses, and for definitions too long for one chunk).
 * Pure: no `vscode` import.
 */

/** Sizes a chunk aims for, in estimated tokens. */
export interface ChunkSizes {
  /** A chunk never exceeds this (unless a single line does). */
  readonly maxTokens: number;
  /** Smaller neighbouring pieces are merged until they reach this. */
  readonly minTokens: number;
  /** Lines a window shares with the previous one, as a share of its tokens. */
  readonly overlap: number;
}

export const defaultChunkSizes: ChunkSizes = { maxTokens: 600, minTokens: 300, overlap: 0.15 };

/** The lines of a text, with a fast token estimate for any range of them. */
export class Lines {
  readonly lines: readonly string[];
  private readonly cumulative: Float64Array;

  constructor(text: string) {
    this.lines = text.split(/\r?\n/);
    this.cumulative = new Float64Array(this.lines.length + 1);
    for (let i = 0; i < this.lines.length; i++) {
      this.cumulative[i + 1] = this.cumulative[i] + estimateLineTokens(this.lines[i]);
    }
  }

  get count(): number {
    return this.lines.length;
  }

  /** Estimated tokens of lines `start..end` (0-based, inclusive). */
  tokens(start: number, end: number): number {
    return end < start ? 0 : this.cumulative[end + 1] - this.cumulative[start];
  }

  /** Text of lines `start..end` (0-based, inclusive). */
  text(start: number, end: number): string {
    return this.lines.slice(start, end + 1).join('\n');
  }

  /** True when lines `start..end` hold only whitespace. */
  blank(start: number, end: number): boolean {
    for (let i = start; i <= end; i++) {
      if (this.lines[i].trim() !== '') {
        return false;
      }
    }
    return true;
  }
}

/**
 * About four characters a token for code, counting leading indentation at half weight (tokenizers merge runs of
 * spaces). An estimate is enough: chunk sizes are a target, not a budget.
 */
export function estimateLineTokens(line: string): number {
  const indent = line.length - line.trimStart().length;
  return (line.length - indent) / 4 + indent / 8 + 1;
}

/** A range of lines, 0-based inclusive. */
export interface LineSpan {
  readonly start: number;
  readonly end: number;
}

/** Cuts lines `start..end` into windows of at most `maxTokens`, each sharing about `overlap` of the previous one. */
export function lineWindows(lines: Lines, start: number, end: number, sizes: ChunkSizes = defaultChunkSizes): LineSpan[] {
  const windows: LineSpan[] = [];
  let from = start;
  while (from <= end) {
    let to = from;
    while (to < end && lines.tokens(from, to + 1) <= sizes.maxTokens) {
      to++;
    }
    windows.push({ start: from, end: to });
    if (to >= end) {
      break;
    }
    // Step back so the next window repeats the last line(s) of this one (at least one, up to the overlap share),
    // but always move forward.
    let next = to > from ? to : to + 1;
    while (next - 1 > from && lines.tokens(next - 1, to) <= sizes.maxTokens * sizes.overlap) {
      next--;
    }
    from = next;
  }
  return windows;
}
