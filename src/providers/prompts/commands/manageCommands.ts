/** Rename, Delete (to the trash), Move, Copy Text, Favorite, Restore Deleted, Refresh: commands on existing prompts. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isUsable } from '../../../prompts/types';
import { usageKey } from '../../../prompts/usageStats';
import { commandIds } from '../../commands/commandIds';
import type { PromptCommandContext } from './promptCommandContext';
import type { PromptCommandHandlers } from './types';

export function manageCommands(ctx: PromptCommandContext): PromptCommandHandlers {
  return {
    [commandIds.promptsRename]: (a) => rename(ctx, a),
    [commandIds.promptsDelete]: (a) => remove(ctx, a),
    [commandIds.promptsMove]: (a) => move(ctx, a),
    [commandIds.promptsCopy]: (a) => copy(ctx, a),
    [commandIds.promptsToggleFavorite]: (a) => toggleFavorite(ctx, a),
    [commandIds.promptsRestore]: () => restore(ctx),
    [commandIds.promptsRefresh]: () => ctx.library.reload(),
  };
}

async function rename(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to rename', (e) => e.file !== undefined && isUsable(e));
  if (entry?.file === undefined) {
    return;
  }
  const folder = ctx.folderOrThrow(entry);
  const name = await ctx.askName(folder, { title: `Rename "${entry.name}"`, value: entry.name, except: entry.file });
  if (name === undefined || name.trim() === entry.name) {
    return;
  }
  const oldKey = usageKey(entry);
  const file = await folder.rename(entry.file, name);
  await ctx.library.stats.move(oldKey, usageKey({ source: entry.source, name: name.trim(), file }));
  await ctx.afterWrite();
}

async function remove(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to delete', (e) => e.file !== undefined);
  if (entry?.file === undefined) {
    return;
  }
  const folder = ctx.folderOrThrow(entry);
  const ok = await vscode.window.showWarningMessage(
    `Delete the prompt "${entry.name}"?`,
    { modal: true, detail: `The file is moved to the prompt trash (${ctx.library.trash.dir}); "Restore Deleted Prompt…" brings it back.` },
    'Move to Trash',
  );
  if (ok !== 'Move to Trash') {
    return;
  }
  const trashed = await folder.delete(entry.file);
  ctx.logger.info(`Prompt "${entry.name}" moved to the trash: ${trashed}`);
  await ctx.afterWrite();
}

async function move(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to move', (e) => e.file !== undefined);
  if (entry?.file === undefined) {
    return;
  }
  const from = ctx.folderOrThrow(entry);
  const to = await ctx.chooseFolder(`Move "${entry.name}"`, from);
  if (to === undefined) {
    return;
  }
  const oldKey = usageKey(entry);
  const file = await from.moveTo(entry.file, to);
  await ctx.library.stats.move(oldKey, usageKey({ source: to.source, name: entry.name, file }));
  await ctx.afterWrite();
}

async function copy(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to copy', isUsable);
  if (entry === undefined || !isUsable(entry)) {
    return;
  }
  await vscode.env.clipboard.writeText(entry.definition.body);
  void vscode.window.setStatusBarMessage(`Tiered: copied the text of "${entry.name}"`, 3000);
}

async function toggleFavorite(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to mark or unmark as favorite', isUsable);
  if (entry === undefined) {
    return;
  }
  await ctx.library.stats.toggleFavorite(usageKey(entry));
  ctx.library.notifyUsageChanged();
}

async function restore(ctx: PromptCommandContext): Promise<void> {
  const trashed = await ctx.library.trash.list();
  if (trashed.length === 0) {
    void vscode.window.showInformationMessage('Tiered: the prompt trash is empty.');
    return;
  }
  const pick = await vscode.window.showQuickPick(
    trashed.map((file) => ({ label: path.basename(file).replace(/^[\dT-]+Z(-\d+)?-/, ''), description: path.basename(file).slice(0, 19).replace(/T(\d\d)-(\d\d)-(\d\d)/, ' $1:$2:$3'), file })),
    { placeHolder: 'Deleted prompt to restore (newest first)' },
  );
  if (pick === undefined) {
    return;
  }
  const restored = await ctx.library.trash.restore(pick.file, ctx.library.user.dir);
  await ctx.afterWrite();
  await ctx.open(restored);
}
