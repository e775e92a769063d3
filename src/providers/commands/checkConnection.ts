import * as vscode from 'vscode';
import { formatReport } from '../../backend/checkConnection';
import type { EndpointReport } from '../../backend/checkConnection';
import type { Services } from '../services';
import { commandIds } from './commandIds';

/**
 * "Tiered: Check Connection": checks every configured endpoint with the real backend code, writes the
 * full report to the log, shows a summary, and returns the reports (tests and other commands use them).
 */
export function registerCheckConnection(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.checkConnection, async (): Promise<readonly EndpointReport[]> => {
    const reports = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Tiered: checking model servers…' },
      () => services.connection.check(),
    );
    const text = formatReport(reports);
    for (const line of text.split('\n')) {
      services.log.info(line);
    }
    services.log.show(true);
    void showSummary(reports);
    return reports;
  });
}

async function showSummary(reports: readonly EndpointReport[]): Promise<void> {
  if (reports.length === 0) {
    await vscode.window.showWarningMessage('Tiered: no model server is configured. Enable Ollama or add an OpenAI-compatible endpoint in settings.', 'Open Settings');
    return;
  }
  const parts = reports.map((r) =>
    r.reachable ? `${r.id}: ${r.models.length} model${r.models.length === 1 ? '' : 's'} (${r.models.map((m) => m.name).slice(0, 6).join(', ')}${r.models.length > 6 ? ', …' : ''})` : `${r.id}: not reachable`,
  );
  const down = reports.filter((r) => !r.reachable);
  if (down.length === 0) {
    void vscode.window.showInformationMessage(`Tiered: ${parts.join('; ')}`);
    return;
  }
  const first = down[0];
  const detail = first?.error?.message ?? 'No answer.';
  const choice = await vscode.window.showWarningMessage(`Tiered: ${parts.join('; ')}. ${detail}`, 'Show Log', 'Open Settings');
  if (choice === 'Show Log') {
    void vscode.commands.executeCommand(commandIds.showLog);
  } else if (choice === 'Open Settings') {
    void vscode.commands.executeCommand(commandIds.openSettings);
  }
}
