/** Import (Continue `.prompt`, Copilot or Tiered `.prompt.md` / `.tiered.md`, bundles) and Export (a JSON bundle). */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { maxPromptFileBytes } from '../../../prompts/format';
import { exportBundle, planImport, readImportFile } from '../../../prompts/importExport';
import type { ConflictDecision, ImportCandidate } from '../../../prompts/importExport';
import { uniqueName } from '../../../prompts/library';
import { isUsable } from '../../../prompts/types';
import type { PromptDefinition } from '../../../prompts/types';
import { writeFileAtomic } from '../../../util/atomicFile';
import { commandIds } from '../../commands/commandIds';
import { isNode, sourceLabel } from './promptCommandContext';
import type { PromptCommandContext } from './promptCommandContext';
import type { PromptCommandHandlers } from './types';

export function importExportCommands(ctx: PromptCommandContext): PromptCommandHandlers {
  return {
    [commandIds.promptsImport]: () => importPrompts(ctx),
    [commandIds.promptsExport]: (a) => exportPrompts(ctx, a),
  };
}

async function importPrompts(ctx: PromptCommandContext): Promise<void> {
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: true,
    openLabel: 'Import',
    title: 'Import prompts (Continue .prompt, Copilot or Tiered .prompt.md / .tiered.md, Tiered bundle .json)',
    filters: { Prompts: ['prompt', 'md', 'json'], 'All files': ['*'] },
  });
  if (uris === undefined || uris.length === 0) {
    return;
  }
  const candidates: ImportCandidate[] = [];
  const problems: string[] = [];
  for (const uri of uris) {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > 20 * maxPromptFileBytes) {
      problems.push(`${uri.fsPath}: too large to import`);
      continue;
    }
    const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
    const result = readImportFile(uri.fsPath, text);
    candidates.push(...result.candidates);
    problems.push(...result.problems.map((p) => `${p.file}:${p.line}: ${p.message}`));
  }
  for (const c of candidates) {
    for (const note of c.notes) {
      ctx.logger.info(`Import ${c.origin}: ${note}`);
    }
  }
  for (const p of problems) {
    ctx.logger.warn(`Import: ${p}`);
  }
  if (candidates.length === 0) {
    void vscode.window.showErrorMessage(`Tiered: nothing to import. ${problems[0] ?? ''}`, 'Show Log').then((c) => c && vscode.commands.executeCommand(commandIds.showLog));
    return;
  }
  const folder = await ctx.chooseFolder(`Import ${candidates.length} prompt${candidates.length === 1 ? '' : 's'}`);
  if (folder === undefined) {
    return;
  }
  const existing = await folder.list();
  const plan = planImport(candidates, existing.map((e) => e.name));
  const decisions = await decideConflicts(plan.conflicts.map((c) => c.candidate));
  if (decisions === undefined) {
    // Cancelling a question cancels the whole import: nothing has been written yet.
    return;
  }
  let imported = 0;
  const names = existing.map((e) => e.name).concat(plan.fresh.map((c) => c.prompt.name));
  const write = async (prompt: PromptDefinition): Promise<void> => {
    await folder.create(prompt);
    imported++;
  };
  for (const c of plan.fresh) {
    await write(c.prompt);
  }
  for (const { candidate, decision } of decisions) {
    if (decision === 'skip') {
      continue;
    }
    if (decision === 'keepBoth') {
      const name = uniqueName(candidate.prompt.name, names);
      names.push(name);
      await write({ ...candidate.prompt, name });
      continue;
    }
    const old = await folder.findByName(candidate.prompt.name);
    if (old?.file !== undefined) {
      await folder.delete(old.file);
    }
    await write(candidate.prompt);
  }
  await ctx.afterWrite();
  const skipped = decisions.filter((d) => d.decision === 'skip').length;
  void vscode.window.showInformationMessage(
    `Tiered: imported ${imported} prompt${imported === 1 ? '' : 's'}${skipped > 0 ? `, skipped ${skipped}` : ''}${problems.length > 0 ? `; ${problems.length} could not be read (see the log)` : ''}.`,
  );
}

/** Asks what to do with each prompt whose name is taken (or once for all). Undefined when the user cancelled. */
async function decideConflicts(conflicts: readonly ImportCandidate[]): Promise<{ candidate: ImportCandidate; decision: ConflictDecision }[] | undefined> {
  const decisions: { candidate: ImportCandidate; decision: ConflictDecision }[] = [];
  let applyAll: ConflictDecision | undefined;
  for (const candidate of conflicts) {
    let decision = applyAll;
    if (decision === undefined) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'Skip', description: 'keep the existing prompt, do not import this one', decision: 'skip' as const, all: false },
          { label: 'Keep Both', description: 'import under a new name', decision: 'keepBoth' as const, all: false },
          { label: 'Replace', description: 'the existing prompt goes to the trash', decision: 'replace' as const, all: false },
          { label: 'Skip All Conflicts', decision: 'skip' as const, all: true },
          { label: 'Keep Both for All Conflicts', decision: 'keepBoth' as const, all: true },
        ],
        { title: `"${candidate.prompt.name}" already exists (${candidate.origin})`, placeHolder: 'What should happen to this prompt?', ignoreFocusOut: true },
      );
      if (pick === undefined) {
        return undefined;
      }
      decision = pick.decision;
      if (pick.all) {
        applyAll = pick.decision;
      }
    }
    decisions.push({ candidate, decision });
  }
  return decisions;
}

async function exportPrompts(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const usable = ctx.library.snapshot.entries.filter(isUsable);
  const preselected = isNode(arg) && arg.kind === 'prompt' ? arg.entry.id : undefined;
  const picks = await vscode.window.showQuickPick(
    usable.map((entry) => ({ label: entry.name, description: sourceLabel(entry), picked: preselected === undefined ? entry.source !== 'builtin' : entry.id === preselected, entry })),
    { canPickMany: true, title: 'Export prompts as a bundle', placeHolder: 'Prompts to export' },
  );
  if (picks === undefined || picks.length === 0) {
    return;
  }
  const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(base, 'tiered-prompts.json'), filters: { 'Tiered prompt bundle': ['json'] } });
  if (uri === undefined) {
    return;
  }
  const text = exportBundle(picks.map((p) => p.entry.definition));
  if (uri.scheme === 'file') {
    await writeFileAtomic(uri.fsPath, text);
  } else {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  }
  void vscode.window.showInformationMessage(`Tiered: exported ${picks.length} prompt${picks.length === 1 ? '' : 's'} to ${uri.fsPath}.`);
}
