import * as vscode from 'vscode';
import { formatRoutingLogEntry } from '../../routing/routingLog';
import { ReportDocuments, reportSchemes } from '../shared/reportDocuments';
import type { Services } from '../services';
import { commandIds } from './commandIds';

/** "Tiered: Show Routing Log": recent routing decisions with their reasons and outcomes, newest first. */
export function registerShowRoutingLog(services: Services): vscode.Disposable {
  const reports = new ReportDocuments(reportSchemes.routingLog);
  const command = vscode.commands.registerCommand(commandIds.showRoutingLog, async () => {
    const entries = [...services.routing.log.entries()].reverse();
    const body = entries.length === 0 ? 'No request has been routed yet in this window.' : entries.map((e) => formatRoutingLogEntry(e)).join('\n\n');
    const text = `Tiered routing log (newest first)\n\n${body}\n`;
    await reports.show('Routing log.txt', text, { preview: true });
    return text;
  });
  return vscode.Disposable.from(command, reports);
}
