import * as vscode from 'vscode';
import type { CompletionPipeline } from '../../completion/pipeline';
import { looksLikeTyping } from '../../completion/triggerWatchdog';

/**
 * Reports every key typed in the active editor to the pipeline, with the cursor's line after it: the request
 * policy learns the user's rhythm from these rather than from provider calls, which the editor makes only after
 * its own debounce and skips for keys typed meanwhile.
 */
export function reportKeystrokes(pipeline: CompletionPipeline): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument((e) => {
    const document = e.document;
    const [change] = e.contentChanges;
    if (change === undefined || e.reason !== undefined || document !== vscode.window.activeTextEditor?.document || !looksLikeTyping(e.contentChanges)) {
      return;
    }
    const at = Date.now();
    // The cursor after the key: past the inserted text (on the new line after an Enter).
    const lines = change.text.split(/\r?\n/);
    const line = change.range.start.line + lines.length - 1;
    const character = (lines.length > 1 ? 0 : change.range.start.character) + (lines[lines.length - 1] ?? '').length;
    if (line >= document.lineCount) {
      return;
    }
    const text = document.lineAt(line).text;
    pipeline.typed(at, { languageId: document.languageId, linePrefix: text.slice(0, character), lineSuffix: text.slice(character) });
  });
}
