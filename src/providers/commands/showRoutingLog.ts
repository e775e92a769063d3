import * as vscode from 'vscode';
import { formatRoutingLogEntry } from '../../routing/routingLog';
import type { Services } from '../services';
import { commandIds } from './commandIds';

/** "Tiered: Show Routing Log": recent routing decisions with their reasons and outcomes, newest first. */
export function registerShowRoutingLog(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.showRoutingLog, async () => {
    const entries = [...services.routing.log.entries()].reverse();
    const body = entries.length === 0 ? 'No request has been routed yet in this window.' : entries.map((e) => formatRoutingLogEntry(e)).join('\n\n');
    const text = `Tiered routing log (newest first)\n\n${body}\n`;
    const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { preview: true });
    return text;
  });
}
