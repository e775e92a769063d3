/**
 * Grounded findings as the editor shows them, in plain data (0-based positions, VS Code's convention):
 * a diagnostic for the Problems panel, an edit for the quick fix, a line for the findings list, and the
 * summary sentence of a review. The VS Code adapter turns these into `Diagnostic`/`WorkspaceEdit` 1:1.
 * Pure: no `vscode` import.
 */
import type { Category, GroundedFinding, Severity } from './findings';
import { lineIndexAt, lineStarts } from './grounding';
import type { ReviewOutcome } from './runReview';

/** A 0-based position. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

/** A 0-based range, end exclusive. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** Severity names matching `vscode.DiagnosticSeverity`. */
export type DiagnosticLevel = 'error' | 'warning' | 'information' | 'hint';

/** The source every review diagnostic carries. */
export const reviewDiagnosticSource = 'Tiered review';

/** A Problems-panel entry. */
export interface DiagnosticData {
  readonly range: Range;
  readonly message: string;
  readonly level: DiagnosticLevel;
  readonly source: string;
  /** The category, shown as the diagnostic's code. */
  readonly code: Category;
}

/** A text replacement. */
export interface EditData {
  readonly range: Range;
  readonly newText: string;
  /** The text the range must still hold for the edit to apply (the code the finding quoted). */
  readonly expectedText: string;
}

/** Where the selection starts in the document (0-based). */
export type SelectionOrigin = Position;

/** The document position of an offset into the selection text. */
export function positionInDocument(selectionText: string, origin: SelectionOrigin, offset: number, starts: readonly number[] = lineStarts(selectionText)): Position {
  const clamped = Math.max(0, Math.min(selectionText.length, offset));
  const index = lineIndexAt(starts, clamped);
  const column = clamped - (starts[index] ?? 0);
  return index === 0 ? { line: origin.line, character: origin.character + column } : { line: origin.line + index, character: column };
}

/** The document range of a grounded finding's quoted code. */
export function findingRange(finding: GroundedFinding, selectionText: string, origin: SelectionOrigin): Range {
  const starts = lineStarts(selectionText);
  return {
    start: positionInDocument(selectionText, origin, finding.location.startOffset, starts),
    end: positionInDocument(selectionText, origin, finding.location.endOffset, starts),
  };
}

const levels: Readonly<Record<Severity, DiagnosticLevel>> = { high: 'error', medium: 'warning', low: 'information' };

/** Problems-panel level of a finding: style remarks are hints whatever the model says. */
export function diagnosticLevel(finding: Pick<GroundedFinding, 'severity' | 'category'>): DiagnosticLevel {
  if (finding.category === 'style' && finding.severity !== 'high') {
    return 'hint';
  }
  return levels[finding.severity];
}

/** The diagnostic of a finding. */
export function toDiagnostic(finding: GroundedFinding, selectionText: string, origin: SelectionOrigin): DiagnosticData {
  const moved = finding.placement === 'relocated' ? ` (the model cited line${finding.claimedStartLine === finding.claimedEndLine ? ` ${finding.claimedStartLine}` : `s ${finding.claimedStartLine}-${finding.claimedEndLine}`})` : '';
  return {
    range: findingRange(finding, selectionText, origin),
    message: `${finding.category}: ${finding.explanation}${moved}`,
    level: diagnosticLevel(finding),
    source: reviewDiagnosticSource,
    code: finding.category,
  };
}

/**
 * Re-indents a replacement to fit the quoted range: the range starts after the first line's indentation, so
 * the replacement's first line loses its leading whitespace; trailing whitespace goes too (the range ends at
 * the last non-space character).
 */
export function fitReplacement(replacement: string): string {
  return replacement.replace(/\r\n?/g, '\n').replace(/^[ \t]+/, '').replace(/\s+$/, '');
}

/** The quick-fix edit of a finding, or undefined when it has no applicable replacement. */
export function toEdit(finding: GroundedFinding, selectionText: string, origin: SelectionOrigin): EditData | undefined {
  if (finding.replacement === undefined) {
    return undefined;
  }
  const newText = fitReplacement(finding.replacement);
  if (newText === finding.matchedText) {
    return undefined;
  }
  return { range: findingRange(finding, selectionText, origin), newText, expectedText: finding.matchedText };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The sentence summing a review up, e.g. "3 findings (1 moved to the lines it quotes). 1 dropped: …". */
export function outcomeSummary(outcome: ReviewOutcome, where: string): string {
  switch (outcome.kind) {
    case 'refusal':
      return `The model did not review ${where}; it answered: "${outcome.message}"`;
    case 'invalid':
      return `The model's answer was not a valid review, even after asking it to fix it (${outcome.problems.slice(0, 3).join('; ')}). Try again, or a bigger tier.`;
    case 'review': {
      const g = outcome.grounding;
      const parts: string[] = [];
      if (g.findings.length === 0 && g.dropped.length === 0) {
        parts.push(`No findings: the model found nothing to report in ${where}.`);
      } else if (g.findings.length === 0) {
        parts.push(`No usable findings in ${where}.`);
      } else {
        parts.push(`${plural(g.findings.length, 'finding', 'findings')} in ${where}${g.relocated > 0 ? ` (${g.relocated} moved to the lines the quoted code is on)` : ''}.`);
      }
      if (g.dropped.length > 0) {
        parts.push(`${plural(g.dropped.length, 'finding was', 'findings were')} dropped because the code ${g.dropped.length === 1 ? 'it quotes is' : 'they quote is'} not in the selection.`);
      }
      return parts.join(' ');
    }
  }
}

/** One line of the findings list: `L12-14 · bug · high — explanation`. */
export function findingLabel(finding: GroundedFinding): string {
  const l = finding.location;
  const lines = l.startLine === l.endLine ? `L${l.startLine}` : `L${l.startLine}-${l.endLine}`;
  return `${lines} · ${finding.category} · ${finding.severity} — ${finding.explanation}`;
}
