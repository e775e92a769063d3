import * as vscode from 'vscode';
import type { ConnectionState } from '../backend/connectionMonitor';
import { commandIds } from './commands/commandIds';
import type { Services } from './services';

const icons: Record<ConnectionState, string> = {
  unknown: '$(circle-outline)',
  checking: '$(sync~spin)',
  up: '$(check)',
  partial: '$(warning)',
  down: '$(error)',
};

/**
 * The status bar item (connection state; click to check) and the `tiered.connection` context key,
 * which drives the welcome view. Checks once after start-up, off the activation path.
 */
export function registerConnectionStatus(services: Services): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('tiered.connection', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Tiered';
  item.command = commandIds.checkConnection;

  const render = (): void => {
    const state = services.connection.state;
    const reports = services.connection.reports;
    item.text = `${icons[state]} Tiered`;
    const lines = reports.map((r) => (r.reachable ? `${r.id}: ${r.models.length} models at ${r.baseUrl}` : `${r.id}: not reachable (${r.baseUrl})`));
    item.tooltip = new vscode.MarkdownString([`**Tiered** — ${state}`, ...lines, '', 'Click to check the connection.'].join('\n\n'));
    item.backgroundColor = state === 'down' ? new vscode.ThemeColor('statusBarItem.errorBackground') : state === 'partial' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    void vscode.commands.executeCommand('setContext', 'tiered.connection', state);
  };

  render();
  item.show();
  const subscription = services.connection.onDidChange(render);
  const settingsSubscription = services.settings.onDidChange(() => {
    services.connection.invalidate();
    void services.connection.check();
  });
  // First check after activation without blocking it.
  const timer = setTimeout(() => void services.connection.check(), 0);
  return vscode.Disposable.from(item, settingsSubscription, { dispose: () => subscription.dispose() }, { dispose: () => clearTimeout(timer) });
}
