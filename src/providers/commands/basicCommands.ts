import * as vscode from 'vscode';
import type { Services } from '../services';
import { commandIds } from './commandIds';

/** Show Log, Open Settings and Refresh Models: thin commands with no logic of their own. */
export function registerBasicCommands(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(commandIds.showLog, () => services.log.show()),
    vscode.commands.registerCommand(commandIds.openSettings, () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:tiered.tiered')),
    vscode.commands.registerCommand(commandIds.refreshModels, () => services.connection.check()),
  );
}
