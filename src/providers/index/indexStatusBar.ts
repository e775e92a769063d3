/** The index's status bar entry: files and chunks, a spinner while building, a click for details and actions. */
import * as vscode from 'vscode';
import { commandIds } from '../commands/commandIds';
import type { IndexService, IndexState } from './indexService';

/** One line saying what the index holds, for the status bar tooltip and the status command. */
export function describeIndex(state: IndexState): string {
  if (state.activity === 'off') {
    return 'Tiered index: off (tiered.index.enabled is false, or no folder is open).';
  }
  const embeddings =
    state.embeddingModel !== undefined && state.embeddedChunks > 0
      ? `embeddings: yes (${state.embeddingModel}, ${state.embeddedChunks}/${state.chunks} chunks)`
      : `embeddings: no — lexical only${state.lexicalOnlyReason !== undefined ? ` (${state.lexicalOnlyReason})` : ''}`;
  const updated = state.lastUpdated === undefined ? 'never updated' : `last update ${new Date(state.lastUpdated).toLocaleTimeString()}`;
  const doing = state.activity === 'ready' ? '' : ` — ${state.activity}${state.progress !== undefined ? ` ${Math.round(state.progress * 100)}%` : ''}`;
  return `Tiered index of ${state.folder ?? 'the workspace'}: ${state.files} files, ${state.chunks} chunks, ${embeddings}, ${updated}${doing}.`;
}

export function registerIndexStatusBar(service: IndexService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('tiered.index', vscode.StatusBarAlignment.Right, 99);
  item.name = 'Tiered Index';
  item.command = commandIds.showIndexStatus;
  const render = (state: IndexState): void => {
    if (state.activity === 'off') {
      item.hide();
      return;
    }
    const busy = state.activity === 'loading' || state.activity === 'building' || state.activity === 'embedding';
    const percent = state.progress !== undefined ? ` ${Math.round(state.progress * 100)}%` : '';
    item.text = busy ? `$(sync~spin) Index${percent}` : state.activity === 'failed' ? '$(warning) Index' : `$(database) ${state.files}`;
    item.tooltip = describeIndex(state);
    item.show();
  };
  render(service.state);
  return vscode.Disposable.from(item, service.onDidChange(render));
}
