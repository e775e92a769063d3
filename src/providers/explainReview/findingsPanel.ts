import * as vscode from 'vscode';
import { commandIds } from '../commands/commandIds';
import { findingLabel } from '../../review/representation';
import type { ReviewStore } from './reviewStore';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

function commandLink(command: string, args: readonly unknown[], label: string, title: string): string {
  const href = `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
  return `<a href="${escapeHtml(href)}" title="${escapeHtml(title)}">${escapeHtml(label)}</a>`;
}

/**
 * The findings list of the last review of a document, in a webview beside the editor: the summary, the tier
 * and reasons, notes, then every finding with links (go to its lines, apply the fix, ask about it, dismiss).
 * No scripts: the links are command URIs. Re-rendered when the findings change.
 */
export class FindingsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private uri: vscode.Uri | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ReviewStore) {
    this.subscription = store.onDidChange((uri) => {
      if (this.panel !== undefined && this.uri !== undefined && (uri === undefined || uri.toString() === this.uri.toString())) {
        this.render();
      }
    });
  }

  /** Shows the findings of `uri` (without taking focus from the editor). */
  show(uri: vscode.Uri): void {
    this.uri = uri;
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel('tiered.reviewFindings', 'Tiered Review', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableCommandUris: true, enableScripts: false });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.render();
  }

  /** The panel's HTML (tests read it). */
  get html(): string | undefined {
    return this.panel?.webview.html;
  }

  private render(): void {
    const panel = this.panel;
    const uri = this.uri;
    if (panel === undefined || uri === undefined) {
      return;
    }
    const record = this.store.record(uri);
    const findings = this.store.list(uri);
    const key = uri.toString();
    const parts: string[] = [];
    if (record === undefined) {
      parts.push('<p>No review findings for this document (they were cleared, or its lines changed).</p>');
    } else {
      parts.push(`<h2>Review of ${escapeHtml(record.where)}</h2>`);
      parts.push(`<p class="badge"><strong>${escapeHtml(record.badge)}</strong> · ${escapeHtml(record.reasons.join(' · '))}</p>`);
      parts.push(`<p class="summary ${record.outcome}">${escapeHtml(record.summary)}</p>`);
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
        const args = [key, f.id];
        const links = [
          commandLink(commandIds.reviewShowFinding, args, `Line ${f.range.start.line + 1}`, 'Go to the code'),
          ...(f.edit !== undefined ? [commandLink(commandIds.reviewApplyFix, args, 'Apply fix', 'Replace the quoted code with the suggestion (undoable)')] : []),
          commandLink(commandIds.reviewAskAboutFinding, args, 'Ask about it', 'Explain this finding'),
          commandLink(commandIds.reviewDismissFinding, args, 'Dismiss', 'Remove this finding'),
        ].join(' · ');
        parts.push(
          `<li class="${f.finding.severity}"><div>${escapeHtml(findingLabel(f.finding))}</div><div class="links">${links}</div>` +
            `<pre class="quote">${escapeHtml(f.finding.matchedText)}</pre>` +
            (f.edit !== undefined ? `<div>Suggested:</div><pre class="fix">${escapeHtml(f.edit.newText)}</pre>` : '') +
            '</li>',
        );
      }
      parts.push('</ol>');
    }
    const csp = `default-src 'none'; style-src ${panel.webview.cspSource} 'unsafe-inline';`;
    panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><title>Tiered Review</title>
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:0 12px}
pre{background:var(--vscode-textCodeBlock-background);padding:6px;white-space:pre-wrap;font-family:var(--vscode-editor-font-family)}
li{margin-bottom:12px} li.high{border-left:3px solid var(--vscode-editorError-foreground);padding-left:6px}
li.medium{border-left:3px solid var(--vscode-editorWarning-foreground);padding-left:6px} li.low{border-left:3px solid var(--vscode-editorInfo-foreground);padding-left:6px}
.note,.badge,.model-summary{opacity:.85} .summary.invalid,.summary.refusal{color:var(--vscode-errorForeground)}</style></head><body>${parts.join('\n')}</body></html>`;
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}
