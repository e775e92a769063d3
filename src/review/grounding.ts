/**
 * The grounding check: a finding must quote code that is really there. Models, small ones especially, cite
 * the wrong lines or invent code; a finding about code that does not exist is a hallucination and must not
 * reach the Problems panel.
 *
 * - The quote is matched against the selection with **whitespace removed** on both sides (indentation,
 *   line breaks and spacing differ freely between the model's copy and the file), mapping every matched
 *   character back to its offset in the selection, so the result is an exact character range.
 * - A gutter the model copied (`12 | code`) and a code fence around the quote are ignored; a line made only
 *   of `...` or `…` splits the quote into parts that must appear in order (the model abbreviated).
 * - Found within the lines it claims: `exact`. Found elsewhere in the selection: `relocated` to the
 *   occurrence nearest the claimed lines. Not found at all (or an empty quote): dropped and counted.
 *
 * Pure: no `vscode` import.
 */
import type { DroppedFinding, GroundedFinding, RawFinding } from './findings';

/** The code that was reviewed. */
export interface ReviewedSelection {
  /** The selection text exactly as in the document. */
  readonly text: string;
  /** Absolute 1-based document line of the selection's first line. */
  readonly startLine: number;
}

/** What the grounding check kept and dropped. */
export interface GroundingResult {
  /** Grounded findings, in document order. */
  readonly findings: readonly GroundedFinding[];
  readonly dropped: readonly DroppedFinding[];
  /** How many of {@link findings} were moved to other lines than the model claimed. */
  readonly relocated: number;
  /** Findings repeated by the model (same code, same category, same explanation), merged. */
  readonly duplicates: number;
}

/** Text with whitespace removed, and the selection offset of every kept character. */
interface Compact {
  readonly text: string;
  readonly offsets: Int32Array;
}

/** Whitespace as JavaScript's `\s` (spaces, tabs, line breaks, NBSP, BOM, Unicode spaces) plus the zero-width space. */
function isSpace(code: number): boolean {
  if (code <= 32) {
    return code === 32 || (code >= 9 && code <= 13);
  }
  if (code < 160) {
    return false;
  }
  return code === 160 || code === 0x1680 || (code >= 0x2000 && code <= 0x200b) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

function compact(text: string): Compact {
  const offsets = new Int32Array(text.length);
  const chunks: string[] = [];
  let n = 0;
  let runStart = -1;
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || isSpace(text.charCodeAt(i));
    if (space) {
      if (runStart !== -1) {
        chunks.push(text.slice(runStart, i));
        runStart = -1;
      }
    } else {
      if (runStart === -1) {
        runStart = i;
      }
      offsets[n++] = i;
    }
  }
  return { text: chunks.join(''), offsets: offsets.subarray(0, n) };
}

function squeeze(text: string): string {
  return compact(text).text;
}

const gutter = /^\s*\d+\s*[|:│]\s?/;
const ellipsisLine = /^\s*(?:(?:\/\/|#|--|\/\*|\*)\s*)?(?:\.\.\.|…)\s*(?:\*\/)?\s*$/;

/**
 * Removes what models add around quoted code: a surrounding code fence, a copied line-number gutter
 * (only when every non-empty line has one, so code such as `1 | 2` is left alone).
 */
export function cleanQuotedCode(quote: string): string {
  let lines = quote.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && (lines[0] ?? '').trim() === '') {
    lines = lines.slice(1);
  }
  while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') {
    lines = lines.slice(0, -1);
  }
  if (lines.length >= 2 && /^\s*(`{3,}|~{3,})[\w+#.-]*\s*$/.test(lines[0] ?? '') && /^\s*(`{3,}|~{3,})\s*$/.test(lines[lines.length - 1] ?? '')) {
    lines = lines.slice(1, -1);
  }
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  if (nonEmpty.length > 0 && nonEmpty.every((l) => gutter.test(l))) {
    lines = lines.map((l) => l.replace(gutter, ''));
  }
  return lines.join('\n');
}

/** The quote's parts (split at lines made only of an ellipsis), whitespace removed, empty parts left out. */
export function quoteParts(quote: string): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  for (const line of cleanQuotedCode(quote).split('\n')) {
    if (ellipsisLine.test(line)) {
      parts.push(current.join('\n'));
      current = [];
    } else {
      current.push(line);
    }
  }
  parts.push(current.join('\n'));
  return parts.map(squeeze).filter((p) => p.length > 0);
}

/** True when the quote was abbreviated with an ellipsis line (its replacement cannot be applied as is). */
export function isAbbreviated(quote: string): boolean {
  return cleanQuotedCode(quote)
    .split('\n')
    .some((l) => ellipsisLine.test(l));
}

/** Start offsets of every line of a text. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    starts.push(i + 1);
  }
  return starts;
}

/** 0-based line index of an offset, given {@link lineStarts}. */
export function lineIndexAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

interface Occurrence {
  readonly startOffset: number;
  /** Exclusive. */
  readonly endOffset: number;
}

const maxOccurrences = 2000;

/** Every occurrence of the parts, in order, in the compacted selection (first part anchors each occurrence). */
function occurrences(hay: Compact, parts: readonly string[]): Occurrence[] {
  const found: Occurrence[] = [];
  const first = parts[0];
  if (first === undefined) {
    return found;
  }
  for (let at = hay.text.indexOf(first); at !== -1 && found.length < maxOccurrences; at = hay.text.indexOf(first, at + 1)) {
    let end = at + first.length;
    let ok = true;
    for (const part of parts.slice(1)) {
      const next = hay.text.indexOf(part, end);
      if (next === -1) {
        ok = false;
        break;
      }
      end = next + part.length;
    }
    if (!ok) {
      // Later parts are missing after this anchor, so they are missing after every later anchor too.
      break;
    }
    const startOffset = hay.offsets[at] ?? 0;
    const endOffset = (hay.offsets[end - 1] ?? startOffset) + 1;
    found.push({ startOffset, endOffset });
  }
  return found;
}

/** Checks every finding against the selection; see the module comment. */
export function groundFindings(findings: readonly RawFinding[], selection: ReviewedSelection): GroundingResult {
  const hay = compact(selection.text);
  const starts = lineStarts(selection.text);
  const lineOf = (offset: number): number => selection.startLine + lineIndexAt(starts, offset);
  const kept: GroundedFinding[] = [];
  const dropped: DroppedFinding[] = [];
  const seen = new Set<string>();
  let relocated = 0;
  let duplicates = 0;

  for (const finding of findings) {
    const parts = quoteParts(finding.quote);
    if (parts.length === 0) {
      dropped.push({ finding, reason: 'emptyQuote' });
      continue;
    }
    const all = occurrences(hay, parts);
    if (all.length === 0) {
      dropped.push({ finding, reason: 'quoteNotFound' });
      continue;
    }
    const located = all.map((o) => ({ ...o, startLine: lineOf(o.startOffset), endLine: lineOf(Math.max(o.startOffset, o.endOffset - 1)) }));
    const atClaim = located.find((o) => o.startLine >= finding.startLine && o.endLine <= finding.endLine);
    const nearest = located.reduce((best, o) => (Math.abs(o.startLine - finding.startLine) < Math.abs(best.startLine - finding.startLine) ? o : best));
    const chosen = atClaim ?? nearest;
    const placement = atClaim !== undefined ? 'exact' : 'relocated';

    const key = `${chosen.startOffset}:${chosen.endOffset}:${finding.category}:${squeeze(finding.explanation).toLowerCase()}`;
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    if (placement === 'relocated') {
      relocated += 1;
    }
    const replacement = finding.replacement === undefined || isAbbreviated(finding.quote) ? undefined : cleanQuotedCode(finding.replacement);
    kept.push({
      severity: finding.severity,
      category: finding.category,
      explanation: finding.explanation.trim(),
      replacement,
      quote: finding.quote,
      matchedText: selection.text.slice(chosen.startOffset, chosen.endOffset),
      location: { startLine: chosen.startLine, endLine: chosen.endLine, startOffset: chosen.startOffset, endOffset: chosen.endOffset },
      placement,
      claimedStartLine: finding.startLine,
      claimedEndLine: finding.endLine,
    });
  }
  kept.sort((a, b) => a.location.startOffset - b.location.startOffset || a.location.endOffset - b.location.endOffset);
  return { findings: kept, dropped, relocated, duplicates };
}
