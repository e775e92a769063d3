/**
 * The window's foreground activity, which the workspace index yields to: keystrokes in the active editor (followed
 * here) and completion requests (held by the completion provider for as long as each one runs).
 */
import * as vscode from 'vscode';
import { Foreground } from '../../index/foreground';

/** One per extension host: the completion provider holds it, the index's throttle waits on it. */
export const editorForeground = new Foreground();

/** Touches {@link editorForeground} on every edit of the document in the active editor. */
export function followTyping(): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument((e) => {
    // Output channels and other editors' background edits are not the user typing.
    if (e.contentChanges.length > 0 && e.document === vscode.window.activeTextEditor?.document) {
      editorForeground.touch();
    }
  });
}
