import * as vscode from 'vscode';
import type { CompletionPipeline } from '../../completion/pipeline';
import type { CompletionOutcome } from '../../completion/types';
import { commandIds } from '../commands/commandIds';
import { editorForeground } from '../index/foregroundActivity';
import { toCompletionRequest } from './completionRequests';

/**
 * The thin VS Code adapter over the pure completion pipeline: converts the document and position into a
 * plain request, bridges the cancellation token to an AbortSignal, and maps the outcome back.
 */
export class InlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  /**
   * @param onCall told of every call before anything else (the trigger watchdog); returns true when the call is
   *   Tiered's own re-ask on VS Code's behalf (then treated as automatic, not as the user's manual trigger).
   * @param excluded why the document is a sensitive file that must never reach a model (the sentence), or undefined.
   */
  constructor(
    private readonly pipeline: CompletionPipeline,
    private readonly onOutcome: (outcome: CompletionOutcome) => void,
    private readonly onCall: (documentUri: string, invoked: boolean) => boolean,
    private readonly excluded: (uri: vscode.Uri) => Promise<string | undefined>,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const reasked = this.onCall(document.uri.toString(), context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke);
    const controller = new AbortController();
    const cancellation = token.onCancellationRequested(() => controller.abort());
    // Background work (the workspace index) waits while a completion request runs.
    const release = editorForeground.hold();
    try {
      const excluded = await this.excluded(document.uri);
      const request = { ...toCompletionRequest(document, position, context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke, context.selectedCompletionInfo !== undefined), ...(excluded !== undefined ? { excluded } : {}) };
      const outcome = await this.pipeline.complete(reasked ? { ...request, manual: false, reasked } : request, controller.signal);
      this.onOutcome(outcome);
      if (outcome.kind !== 'shown' || token.isCancellationRequested) {
        return undefined;
      }
      const item = new vscode.InlineCompletionItem(outcome.text, new vscode.Range(position, position), {
        title: 'Accepted',
        command: commandIds.completionAccepted,
        arguments: [document.uri.toString(), document.languageId],
      });
      return [item];
    } finally {
      release();
      cancellation.dispose();
    }
  }
}
