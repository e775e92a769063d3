import * as vscode from 'vscode';
import { TriggerWatchdog, looksLikeTyping } from '../../completion/triggerWatchdog';
import { systemClock } from '../../util/clock';
import type { Services } from '../services';

/** The provider's side of the watchdog, and what to dispose. */
export interface MissedTriggers extends vscode.Disposable {
  /**
   * Tell it of every provider call; returns true when the call is Tiered's own re-ask (to be treated as
   * automatic, not as the user's manual trigger).
   */
  onCall(documentUri: string, invoked: boolean): boolean;
}

/**
 * If VS Code does not ask the provider after a keystroke in the focused editor (seen in fresh windows), asks once
 * on its behalf (see `TriggerWatchdog`): completions are never silently off.
 */
export function watchMissedTriggers(services: Services): MissedTriggers {
  let reasking: string | undefined;
  const watchdog = new TriggerWatchdog(systemClock, (uri) => {
    if (vscode.window.activeTextEditor?.document.uri.toString() !== uri) {
      return;
    }
    reasking = uri;
    services.logger.debug('completion: the editor did not ask after a keystroke; asking on its behalf');
    void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  });
  const typing = vscode.workspace.onDidChangeTextDocument((e) => {
    const document = e.document;
    const settings = services.settings.current;
    if (
      e.reason === undefined && // not undo/redo: VS Code does not ask after those, rightly
      document === vscode.window.activeTextEditor?.document &&
      looksLikeTyping(e.contentChanges) &&
      settings['completion.enabled'] &&
      !settings['completion.disabledLanguages'].includes(document.languageId) &&
      vscode.workspace.getConfiguration('editor', document).get<boolean>('inlineSuggest.enabled') !== false
    ) {
      watchdog.typed(document.uri.toString());
    }
  });
  return {
    onCall(uri, invoked) {
      watchdog.asked(uri);
      const ours = invoked && reasking === uri;
      reasking = undefined;
      return ours;
    },
    dispose() {
      typing.dispose();
      watchdog.dispose();
    },
  };
}
