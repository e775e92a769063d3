import * as vscode from 'vscode';
import type { CompletionPipeline } from '../../completion/pipeline';
import type { CompletionRequest } from '../../completion/types';
import { requestAtActiveCursor } from './completionRequests';

/** How long the user must be idle after switching files before the server's cache is warmed. */
const warmUpIdleMs = 1000;
/**
 * How long after the last edit the user counts as paused for the idle refresh (longer than a typist's
 * hesitations; the pipeline then still waits for the pause's own request to finish).
 */
const pauseIdleMs = 1000;

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
  const stillThere = (): boolean => {
    const now = requestAtActiveCursor(documentUri, excluded);
    return now !== undefined && now.offset === request.offset && now.text === request.text;
  };
  if (!pipeline.preparesContinuations) {
    return;
  }
  const continuation = pipeline.prepareContinuation(request);
  // The editor does not always show what it asks for right after an accept (in the typing bench its own call's
  // suggestion never showed; Tiered's trigger did, 80–600 ms after the continuation was ready): ask now, so the
  // editor's call joins the continuation as it streams, and once more when it is ready.
  void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  void continuation.then((ready) => {
    if (ready && stillThere()) {
      void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }
  });
}

/**
 * Idle time is used to get the next prompt ready: when the user switches to another file and stays idle for
 * a moment, the pipeline warms the server's cache with that file's prompt (a zero-token request; only with
 * llama-server and the cost-aware policy); when the user stops typing for a moment (a pause, or after an
 * accept), the pipeline lets the repository context be chosen again once the pause's request is done, and
 * warms the cache if it changed (see `completion/stages/idle.ts`). Typing, or switching again, cancels the wait.
 */
export function warmUpWhenIdle(pipeline: CompletionPipeline, excluded: (uri: vscode.Uri) => string | undefined): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const later = (uri: string, ms: number, then: (request: CompletionRequest) => void): void => {
    cancel();
    timer = setTimeout(() => {
      timer = undefined;
      // A sensitive file is never sent, not even to warm the cache (the prefilter skips it).
      const request = requestAtActiveCursor(uri, excluded);
      if (request !== undefined) {
        then(request);
      }
    }, ms);
  };
  const subscriptions = [
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      cancel();
      if (editor !== undefined && editor.document.uri.scheme !== 'output') {
        later(editor.document.uri.toString(), warmUpIdleMs, (request) => void pipeline.warmUp(request));
      }
    }),
    vscode.workspace.onDidChangeTextDocument((event) => {
      const document = vscode.window.activeTextEditor?.document;
      if (event.document === document && event.contentChanges.length > 0) {
        const uri = document.uri.toString();
        later(uri, pauseIdleMs, (request) => void pipeline.whenIdle(request, () => requestAtActiveCursor(uri, excluded)));
      }
    }),
  ];
  return { dispose: () => (cancel(), subscriptions.forEach((s) => s.dispose())) };
}
