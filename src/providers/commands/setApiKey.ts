import * as vscode from 'vscode';
import type { Services } from '../services';
import { commandIds } from './commandIds';

/**
 * "Tiered: Set API Key for Endpoint…": stores (or clears) the key of an OpenAI-compatible endpoint in
 * SecretStorage. The key is never written to settings or to the log.
 */
export function registerSetApiKey(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.setApiKey, async (endpointName?: string) => {
    const endpoints = services.settings.current.openAiEndpoints;
    if (endpoints.length === 0) {
      const choice = await vscode.window.showInformationMessage('Tiered: add an OpenAI-compatible endpoint in settings first (tiered.openAiEndpoints).', 'Open Settings');
      if (choice) {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'tiered.openAiEndpoints');
      }
      return;
    }
    const name =
      endpointName ??
      (await vscode.window.showQuickPick(
        endpoints.map((e) => ({ label: e.name, description: e.baseUrl })),
        { title: 'Tiered: API key for which endpoint?' },
      ))?.label;
    if (!name) {
      return;
    }
    const endpoint = endpoints.find((e) => e.name === name);
    if (!endpoint) {
      void vscode.window.showErrorMessage(`Tiered: no endpoint named "${name}" in your user settings (tiered.openAiEndpoints).`);
      return;
    }
    // The key is bound to this URL: it is never sent anywhere else, even if the endpoint's URL changes later.
    const key = await vscode.window.showInputBox({
      title: `Tiered: API key for "${name}" (${endpoint.baseUrl})`,
      prompt: `Stored in VS Code secret storage and sent only to ${endpoint.baseUrl}. Leave empty to remove the stored key.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) {
      return;
    }
    if (key.trim() === '') {
      await services.apiKeys.delete(name);
      services.logger.info(`API key of endpoint "${name}" removed.`);
      void vscode.window.showInformationMessage(`Tiered: API key of "${name}" removed.`);
    } else {
      await services.apiKeys.set(name, endpoint.baseUrl, key.trim());
      services.logger.info(`API key of endpoint "${name}" stored in secret storage, for ${endpoint.baseUrl} only.`);
      void vscode.window.showInformationMessage(`Tiered: API key of "${name}" stored, for ${endpoint.baseUrl} only.`);
    }
    services.connection.invalidate();
  });
}
