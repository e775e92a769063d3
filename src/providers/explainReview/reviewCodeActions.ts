import * as vscode from 'vscode';
import { commandIds } from '../commands/commandIds';
import type { ReviewStore, StoredFinding } from './reviewStore';

/** Whitespace-insensitive equality: the fix applies while the quoted code is still there. */
export function sameCode(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '');
}

/** The edit that applies a finding's suggested replacement, or undefined when the code has changed since. */
export function fixEdit(document: vscode.TextDocument, finding: StoredFinding): vscode.WorkspaceEdit | undefined {
  if (finding.edit === undefined || !sameCode(document.getText(finding.range), finding.edit.expectedText)) {
    return undefined;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, finding.range, finding.edit.newText);
  return edit;
}

/** Quick fixes on "Tiered review" diagnostics: apply the suggestion (an undoable edit), ask about it, dismiss it. */
export class ReviewCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly store: ReviewStore) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const finding = this.store.byDiagnostic(document.uri, diagnostic);
      if (finding === undefined) {
        continue;
      }
      const args = [document.uri.toString(), finding.id];
      const edit = fixEdit(document, finding);
      if (edit !== undefined) {
        const apply = new vscode.CodeAction(`Tiered: apply suggested fix (${finding.finding.category})`, vscode.CodeActionKind.QuickFix);
        apply.edit = edit;
        apply.diagnostics = [diagnostic];
        apply.isPreferred = true;
        actions.push(apply);
      }
      const ask = new vscode.CodeAction('Tiered: ask about this finding', vscode.CodeActionKind.QuickFix);
      ask.command = { command: commandIds.reviewAskAboutFinding, title: 'Ask about this finding', arguments: args };
      ask.diagnostics = [diagnostic];
      actions.push(ask);
      const dismiss = new vscode.CodeAction('Tiered: dismiss this finding', vscode.CodeActionKind.QuickFix);
      dismiss.command = { command: commandIds.reviewDismissFinding, title: 'Dismiss', arguments: args };
      dismiss.diagnostics = [diagnostic];
      actions.push(dismiss);
    }
    return actions;
  }
}
