/** The workspace index feature: the service, its status bar entry and its two commands. */
import * as vscode from 'vscode';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import { IndexService } from './indexService';
import { describeIndex, registerIndexStatusBar } from './indexStatusBar';

let current: IndexService | undefined;

/** The running index, for chat and Explain/Review (undefined before activation or after disposal). */
export function workspaceIndexService(): IndexService | undefined {
  return current;
}

export function registerIndex(services: Services): vscode.Disposable {
  const service = new IndexService(services);
  current = service;
  const busy = (): boolean => ['loading', 'building', 'embedding'].includes(service.state.activity);
  const showStatus = vscode.commands.registerCommand(commandIds.showIndexStatus, async () => {
    const text = describeIndex(service.state);
    const actions = busy() ? ['Cancel Indexing'] : ['Rebuild Index'];
    void vscode.window.showInformationMessage(text, ...actions).then((choice) => {
      if (choice === 'Cancel Indexing') {
        service.cancel();
      } else if (choice === 'Rebuild Index') {
        void vscode.commands.executeCommand(commandIds.rebuildIndex);
      }
    });
    return { text, ...service.state };
  });
  const rebuild = vscode.commands.registerCommand(commandIds.rebuildIndex, async () => {
    await service.rebuild();
    return service.state;
  });
  service.restart();
  return vscode.Disposable.from(service, registerIndexStatusBar(service), showStatus, rebuild, { dispose: () => (current = current === service ? undefined : current) });
}
