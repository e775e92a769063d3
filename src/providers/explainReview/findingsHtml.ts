/**
 * The findings list's HTML, built from plain data (no `vscode` import, so it is unit-tested): no script at all,
 * one nonce'd style element, a CSP without 'unsafe-inline', and links that are command URIs of exactly
 * {@link findingsPanelCommands} (the panel's command allow-list).
 */
import { findingLabel } from '../../review/representation';
import type { GroundedFinding } from '../../review/findings';
import type { ReviewOutcome } from '../../review/runReview';
import { escapeHtml } from '../../util/html';
import { commandIds } from '../commands/commandIds';

/** The only commands the findings panel's links may run (its `enableCommandUris` allow-list). */
export const findingsPanelCommands: readonly string[] = [commandIds.reviewShowFinding, commandIds.reviewApplyFix, commandIds.reviewAskAboutFinding, commandIds.reviewDismissFinding];

/** What the list shows of the last review of a document. */
export interface FindingsRecordView {
  readonly where: string;
  readonly badge: string;
  readonly reasons: readonly string[];
  readonly summary: string;
  readonly modelSummary: string;
  readonly notes: readonly string[];
  readonly outcome: ReviewOutcome['kind'];
}

/** One finding as listed: where it is now (0-based line) and whether it has a fix. */
export interface FindingView {
  readonly id: string;
  readonly finding: GroundedFinding;
  readonly line: number;
  readonly fix: string | undefined;
}

export interface FindingsHtmlInput {
  /** The document's URI, as a string (the links' first argument). */
  readonly uri: string;
  readonly record: FindingsRecordView | undefined;
  readonly findings: readonly FindingView[];
  readonly nonce: string;
}

function commandLink(command: string, args: readonly unknown[], label: string, title: string): string {
  const href = `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
  return `<a href="${escapeHtml(href)}" title="${escapeHtml(title)}">${escapeHtml(label)}</a>`;
}

const styles = `body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:0 12px}
pre{background:var(--vscode-textCodeBlock-background);padding:6px;white-space:pre-wrap;font-family:var(--vscode-editor-font-family)}
li{margin-bottom:12px} li.high{border-left:3px solid var(--vscode-editorError-foreground);padding-left:6px}
li.medium{border-left:3px solid var(--vscode-editorWarning-foreground);padding-left:6px} li.low{border-left:3px solid var(--vscode-editorInfo-foreground);padding-left:6px}
.note,.badge,.model-summary{opacity:.85} .summary.invalid,.summary.refusal{color:var(--vscode-errorForeground)}`;

/** The whole page: summary, tier and reasons, notes, then every finding with its links. */
export function findingsHtml(input: FindingsHtmlInput): string {
  const { record, findings, uri, nonce } = input;
  const parts: string[] = [];
  if (record === undefined) {
    parts.push('<p>No review findings for this document (they were cleared, or its lines changed).</p>');
  } else {
    parts.push(`<h2>Review of ${escapeHtml(record.where)}</h2>`);
    parts.push(`<p class="badge"><strong>${escapeHtml(record.badge)}</strong> · ${escapeHtml(record.reasons.join(' · '))}</p>`);
    parts.push(`<p class="summary ${escapeHtml(record.outcome)}">${escapeHtml(record.summary)}</p>`);
    if (record.modelSummary !== '') {
      parts.push(`<p class="model-summary">Model: ${escapeHtml(record.modelSummary)}</p>`);
    }
    for (const note of record.notes) {
      parts.push(`<p class="note">${escapeHtml(note)}</p>`);
    }
  }
  if (findings.length > 0) {
    parts.push('<ol class="findings">');
    for (const f of findings) {
      const args = [uri, f.id];
      const links = [
        commandLink(commandIds.reviewShowFinding, args, `Line ${f.line + 1}`, 'Go to the code'),
        ...(f.fix !== undefined ? [commandLink(commandIds.reviewApplyFix, args, 'Apply fix', 'Replace the quoted code with the suggestion (undoable)')] : []),
        commandLink(commandIds.reviewAskAboutFinding, args, 'Ask about it', 'Explain this finding'),
        commandLink(commandIds.reviewDismissFinding, args, 'Dismiss', 'Remove this finding'),
      ].join(' · ');
      parts.push(
        `<li class="${escapeHtml(f.finding.severity)}"><div>${escapeHtml(findingLabel(f.finding))}</div><div class="links">${links}</div>` +
          `<pre class="quote">${escapeHtml(f.finding.matchedText)}</pre>` +
          (f.fix !== undefined ? `<div>Suggested:</div><pre class="fix">${escapeHtml(f.fix)}</pre>` : '') +
          '</li>',
      );
    }
    parts.push('</ol>');
  }
  const csp = `default-src 'none'; style-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}"><title>Tiered Review</title>
<style nonce="${escapeHtml(nonce)}">${styles}</style></head><body>${parts.join('\n')}</body></html>`;
}
