import * as vscode from 'vscode';
import { completionModelChoices } from '../../onboarding/modelChoices';
import type { CompletionModelChoice } from '../../onboarding/modelChoices';
import { formatMs } from '../../util/format';
import { commandIds } from '../commands/commandIds';
import { reachableReports } from '../onboarding/configureTiers';
import type { Services } from '../services';

interface ModelItem extends vscode.QuickPickItem {
  readonly choice?: CompletionModelChoice;
  readonly automatic?: boolean;
}

/**
 * "Tiered: Choose Completion Model…": the installed models that can fill in the middle, smallest first, with how
 * each would complete and its measured speed, or Automatic (the router's code tier). Writes
 * `tiered.completion.model`. Chat-only models are left out, and the picker says so (a peer let users pick them and
 * then showed garbage).
 */
export function registerChooseCompletionModel(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.chooseCompletionModel, async (): Promise<string | undefined> => {
    const reports = await reachableReports(services, 'choose a completion model');
    if (reports === undefined) {
      return undefined;
    }
    const current = services.settings.current['completion.model'];
    const { choices, chatOnly } = completionModelChoices(reports, current);
    const items: ModelItem[] = [
      {
        label: `${current === '' ? '$(check) ' : ''}$(sparkle) Automatic`,
        description: 'the router picks a code model (the code tier, else a small one)',
        automatic: true,
      },
      ...choices.map((c): ModelItem => {
        const speed = services.routing.speeds.get(c.endpointId, c.model);
        return {
          label: `${c.current ? '$(check) ' : ''}${c.model}`,
          description: c.description,
          detail: [
            c.fim === 'native' ? 'fill-in-the-middle by the server' : `fill-in-the-middle with ${c.familyLabel ?? 'its'} sentinels`,
            speed !== undefined && speed.timeToFirstTokenMs > 0 ? `first token after ${formatMs(speed.timeToFirstTokenMs)} (measured)` : '',
            reports.length > 1 ? `endpoint ${c.endpointId}` : '',
          ]
            .filter((p) => p !== '')
            .join(' · '),
          choice: c,
        };
      }),
    ];
    const hidden = chatOnly.length === 0 ? '' : ` — ${chatOnly.length} chat-only model${chatOnly.length === 1 ? '' : 's'} left out (no fill-in-the-middle)`;
    const picked = await vscode.window.showQuickPick(items, {
      title: `Tiered: Choose Completion Model${hidden}`,
      placeHolder: 'Model for inline completions (smaller is faster)',
      matchOnDescription: true,
    });
    if (picked === undefined) {
      return undefined;
    }
    const value = picked.automatic === true ? '' : (picked.choice?.model ?? '');
    const shadowed = await services.settings.writeUser({ 'completion.model': value });
    services.logger.info(`Completion model set to ${value === '' ? 'automatic' : value}.`);
    if (shadowed.length === 0) {
      void vscode.window.showInformationMessage(`Tiered: inline completions now use ${value === '' ? 'the automatic choice (code tier)' : value}.`);
    }
    return value;
  });
}
