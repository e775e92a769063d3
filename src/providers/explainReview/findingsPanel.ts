import * as vscode from 'vscode';
import { createNonce } from '../../util/nonce';
import { findingsHtml, findingsPanelCommands } from './findingsHtml';
import type { ReviewStore } from './reviewStore';

/**
 * The findings list of the last review of a document, in a webview beside the editor: the summary, the tier
 * and reasons, notes, then every finding with links (go to its lines, apply the fix, ask about it, dismiss).
 * No scripts: the links are command URIs, allowed for the panel's own commands only. Re-rendered when the findings change.
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
      this.panel = vscode.window.createWebviewPanel('tiered.reviewFindings', 'Tiered Review', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableCommandUris: findingsPanelCommands, enableScripts: false, localResourceRoots: [] });
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
    const findings = this.store.list(uri).map((f) => ({ id: f.id, finding: f.finding, line: f.range.start.line, fix: f.edit?.newText }));
    panel.webview.html = findingsHtml({ uri: uri.toString(), record: this.store.record(uri), findings, nonce: createNonce() });
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}
