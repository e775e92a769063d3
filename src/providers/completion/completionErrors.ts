import * as vscode from 'vscode';
import type { TieredError } from '../../backend/errors';
import { commandIds } from '../commands/commandIds';

/**
 * Shows a completion error once, with the action that fixes it, and stays quiet until completions work
 * again: a server that is down must not produce a notification per keystroke.
 */
export class CompletionErrorNotifier {
  private shownKind: string | undefined;

  /** A completion succeeded: the next error may be shown again. */
  recovered(): void {
    this.shownKind = undefined;
  }

  report(error: TieredError): void {
    if (error.kind === 'aborted' || this.shownKind === error.kind) {
      return;
    }
    this.shownKind = error.kind;
    void this.show(error);
  }

  private async show(error: TieredError): Promise<void> {
    const actions: string[] = [];
    const action = error.action;
    if (action?.kind === 'startServer') {
      actions.push('Check Connection');
    } else if (action?.kind === 'pullModel') {
      actions.push(`Pull ${action.model}`);
    } else if (action?.kind === 'chooseCompletionModel') {
      actions.push('Choose Completion Model…');
    } else if (action?.kind === 'openSettings') {
      actions.push('Open Settings');
    }
    actions.push('Why No Completion?');
    const choice = await vscode.window.showWarningMessage(`Tiered completions: ${error.message}`, ...actions);
    if (choice === 'Check Connection') {
      await vscode.commands.executeCommand(commandIds.checkConnection);
    } else if (action?.kind === 'pullModel' && choice === `Pull ${action.model}`) {
      await vscode.commands.executeCommand(commandIds.pullModel, action.model);
    } else if (choice === 'Choose Completion Model…') {
      await vscode.commands.executeCommand(commandIds.chooseCompletionModel);
    } else if (action?.kind === 'openSettings' && choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', action.setting);
    } else if (choice === 'Why No Completion?') {
      await vscode.commands.executeCommand(commandIds.whyNoCompletion);
    }
  }
}
