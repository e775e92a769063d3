import * as vscode from 'vscode';
import type { CompletionPipeline } from '../../completion/pipeline';
import { requestAtActiveCursor } from './completionRequests';

/** How long the user must be idle after switching files before the server's cache is warmed. */
const warmUpIdleMs = 1000;

/**
 * After the user accepts a suggestion (Tab): record it, and request the continuation at once from the
 * cursor, so the next ghost text is ready when the editor asks (the pipeline keeps it only if still valid).
 */
export function continueAfterAccept(pipeline: CompletionPipeline, documentUri: string, languageId: string, excluded: (uri: vscode.Uri) => string | undefined): void {
  pipeline.accepted(documentUri, languageId);
  const request = requestAtActiveCursor(documentUri, excluded);
  if (request === undefined) {
    return;
  }
  void pipeline.prepareContinuation(request).then((ready) => {
    // The editor does not always ask again after an accept (e.g. of a suggestion triggered by hand): ask for it,
    // if the cursor is still where the continuation was made for (the pipeline serves it from what is ready).
    const now = requestAtActiveCursor(documentUri, excluded);
    if (ready && now !== undefined && now.offset === request.offset && now.text === request.text) {
      void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }
  });
}

/**
 * When the user switches to another file and stays idle for a moment, the pipeline warms the server's
 * cache with that file's prompt (a zero-token request; only with llama-server and the cost-aware policy).
 * Typing, or switching again, cancels the wait.
 */
export function warmUpOnFileSwitch(pipeline: CompletionPipeline, excluded: (uri: vscode.Uri) => string | undefined): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const schedule = (editor: vscode.TextEditor | undefined): void => {
    cancel();
    if (editor === undefined || editor.document.uri.scheme === 'output') {
      return;
    }
    const uri = editor.document.uri.toString();
    timer = setTimeout(() => {
      timer = undefined;
      // A sensitive file is never sent, not even to warm the cache (the prefilter skips it).
      const request = requestAtActiveCursor(uri, excluded);
      if (request !== undefined) {
        void pipeline.warmUp(request);
      }
    }, warmUpIdleMs);
  };
  const subscriptions = [
    vscode.window.onDidChangeActiveTextEditor(schedule),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === vscode.window.activeTextEditor?.document) {
        cancel();
      }
    }),
  ];
  return { dispose: () => (cancel(), subscriptions.forEach((s) => s.dispose())) };
}
