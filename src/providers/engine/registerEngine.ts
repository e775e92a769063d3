import * as vscode from 'vscode';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import { useBuiltinEngine } from './useBuiltinEngine';
import { useGgufFile } from './useGgufFile';

/** The built-in engine's onboarding commands (linked from the welcome view, the walkthrough and the palette). */
export function registerEngine(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(commandIds.useBuiltinEngine, () => useBuiltinEngine(services)),
    vscode.commands.registerCommand(commandIds.useGgufFile, () => useGgufFile(services)),
  );
}
