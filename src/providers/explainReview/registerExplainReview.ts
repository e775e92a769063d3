import * as vscode from 'vscode';
import { commandIds, viewIds } from '../commands/commandIds';
import type { Services } from '../services';
import { runExplain } from './explainFlow';
import type { ExplainResult } from './explainFlow';
import { DocumentExplainSink } from './explainSink';
import type { ExplainSink } from './explainSink';
import { FindingsPanel } from './findingsPanel';
import { fixEdit, ReviewCodeActions } from './reviewCodeActions';
import { runReviewFlow } from './reviewFlow';
import type { ReviewReport } from './reviewFlow';
import { ReviewStore } from './reviewStore';
import { isRefusal, resolveTarget, targetForRange } from './target';

/** Options of {@link registerExplainReview}. */
export interface ExplainReviewOptions {
  /** Where explanations stream; the chat view can supply its own. Default: an untitled Markdown document. */
  readonly sink?: ExplainSink;
}

/** The chat view's focus command (VS Code adds `<viewId>.focus` for every contributed view). */
const chatFocusCommand = `${viewIds.chat}.focus`;

async function documentOf(uriText: unknown): Promise<vscode.TextDocument | undefined> {
  if (typeof uriText !== 'string') {
    return undefined;
  }
  const uri = vscode.Uri.parse(uriText);
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri));
}

/**
 * The Explain / Review / Ask feature: the "Tiered" editor context submenu commands, review diagnostics with
 * quick fixes, the findings list, and clearing findings when their lines change or on command.
 */
export function registerExplainReview(services: Services, options: ExplainReviewOptions = {}): vscode.Disposable {
  const sink = options.sink ?? new DocumentExplainSink(services.logger);
  const store = new ReviewStore();
  const panel = new FindingsPanel(store);
  const refuse = (message: string): undefined => {
    void vscode.window.showWarningMessage(`Tiered: ${message}`);
    return undefined;
  };

  const explain = async (): Promise<ExplainResult | undefined> => {
    const target = await resolveTarget(vscode.window.activeTextEditor, 'explain');
    return isRefusal(target) ? refuse(target.refused) : runExplain(services, sink, target);
  };

  const ask = async (question?: unknown): Promise<ExplainResult | undefined> => {
    const target = await resolveTarget(vscode.window.activeTextEditor, 'ask about');
    if (isRefusal(target)) {
      return refuse(target.refused);
    }
    const given = typeof question === 'string' && question.trim() !== '' ? question : undefined;
    // With the chat view available, the question is asked there: the chat attaches the editor's selection as
    // context, so select the target (the enclosing function when nothing was selected) and open the chat.
    if (given === undefined && (await vscode.commands.getCommands(true)).includes(chatFocusCommand)) {
      const editor = vscode.window.activeTextEditor;
      if (editor !== undefined && editor.document === target.document && editor.selection.isEmpty) {
        editor.selection = new vscode.Selection(target.range.start, target.range.end);
      }
      await vscode.commands.executeCommand(chatFocusCommand);
      vscode.window.setStatusBarMessage(`Tiered: ${target.code.path} (from line ${target.code.startLine}) is attached to the chat; type your question there.`, 8000);
      return undefined;
    }
    const q =
      given !== undefined
        ? given
        : await vscode.window.showInputBox({
            title: 'Ask Tiered About Selection',
            prompt: `Your question about ${target.code.path} (from line ${target.code.startLine})`,
            placeHolder: 'e.g. Why does this loop skip the last item?',
            ignoreFocusOut: true,
          });
    if (q === undefined || q.trim() === '') {
      return undefined;
    }
    return runExplain(services, sink, target, q.trim());
  };

  const review = async (): Promise<ReviewReport | undefined> => {
    const target = await resolveTarget(vscode.window.activeTextEditor, 'review');
    return isRefusal(target) ? refuse(target.refused) : runReviewFlow(services, store, panel, target);
  };

  const findingArgs = async (uriText: unknown, id: unknown): Promise<{ document: vscode.TextDocument; id: string } | undefined> => {
    const document = await documentOf(uriText);
    return document !== undefined && typeof id === 'string' ? { document, id } : undefined;
  };

  return vscode.Disposable.from(
    store,
    panel,
    vscode.languages.registerCodeActionsProvider('*', new ReviewCodeActions(store), ReviewCodeActions.metadata),
    vscode.commands.registerCommand(commandIds.explainSelection, explain),
    vscode.commands.registerCommand(commandIds.askAboutSelection, ask),
    vscode.commands.registerCommand(commandIds.reviewSelection, review),
    vscode.commands.registerCommand(commandIds.clearReviewFindings, () => store.clear()),
    vscode.commands.registerCommand(commandIds.reviewShowFinding, async (uriText: unknown, id: unknown) => {
      const a = await findingArgs(uriText, id);
      const f = a && store.get(a.document.uri, a.id);
      if (a === undefined || f === undefined) {
        return;
      }
      const editor = await vscode.window.showTextDocument(a.document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
      editor.selection = new vscode.Selection(f.range.start, f.range.end);
      editor.revealRange(f.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }),
    vscode.commands.registerCommand(commandIds.reviewApplyFix, async (uriText: unknown, id: unknown): Promise<boolean> => {
      const a = await findingArgs(uriText, id);
      const f = a && store.get(a.document.uri, a.id);
      if (a === undefined || f === undefined) {
        return false;
      }
      const edit = fixEdit(a.document, f);
      if (edit === undefined) {
        void vscode.window.showWarningMessage('Tiered: the code this finding quotes has changed since the review, so its fix cannot be applied.');
        return false;
      }
      return vscode.workspace.applyEdit(edit);
    }),
    vscode.commands.registerCommand(commandIds.reviewDismissFinding, async (uriText: unknown, id: unknown) => {
      const a = await findingArgs(uriText, id);
      if (a !== undefined) {
        store.remove(a.document.uri, a.id);
      }
    }),
    vscode.commands.registerCommand(commandIds.reviewAskAboutFinding, async (uriText: unknown, id: unknown): Promise<ExplainResult | undefined> => {
      const a = await findingArgs(uriText, id);
      const f = a && store.get(a.document.uri, a.id);
      if (a === undefined || f === undefined) {
        return undefined;
      }
      const doc = a.document;
      const range = new vscode.Range(f.range.start.line, 0, f.range.end.line, doc.lineAt(f.range.end.line).text.length);
      const target = await targetForRange(doc, range);
      const fix = f.edit !== undefined ? ` The suggested fix is:\n${f.edit.newText}` : '';
      const question = `A code review found this ${f.finding.severity}-severity ${f.finding.category} problem here: "${f.finding.explanation}"${fix}\nIs it a real problem? Explain why, and how to fix it.`;
      return runExplain(services, sink, target, question);
    }),
  );
}
