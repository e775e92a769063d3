import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../util/atomicFile';
import { maxNameLength, maxPromptFileBytes, nameKey } from '../../prompts/format';
import { exportBundle, planImport, readImportFile } from '../../prompts/importExport';
import type { ConflictDecision, ImportCandidate } from '../../prompts/importExport';
import { findPrompt, uniqueName } from '../../prompts/library';
import { PromptNameTakenError } from '../../prompts/promptFolder';
import type { PromptFolder } from '../../prompts/promptFolder';
import { resolvePrompt } from '../../prompts/resolve';
import { isUsable } from '../../prompts/types';
import type { PromptDefinition, PromptEntry, ResolvedPrompt } from '../../prompts/types';
import { compareForPick, usageKey } from '../../prompts/usageStats';
import { inputsOf, usesCode } from '../../prompts/variables';
import type { Logger } from '../../util/logger';
import { commandIds } from '../commands/commandIds';
import { editorValues } from './editorValues';
import type { PromptLibraryService } from './promptLibraryService';
import type { PromptRunner } from './promptRunner';
import type { PromptNode } from './promptsTree';
import { builtinUri } from './promptsTree';
import { withExtraInstructions } from './slashPrompts';

/** The body of a new prompt: a working example. */
const newPromptBody = 'Explain what the selected ${language} code does, step by step.';

/** Help written into a new prompt's header as YAML comments (never sent to a model). */
const newPromptHelp = [
  'tier: small | code | moe | auto (let the router decide). model: optional, e.g. qwen2.5-coder:7b',
  'Body variables: ${selection} ${file} ${fileBasename} ${language} ${workspaceFolder} ${fileContent},',
  'and ${input:name} for a value asked at run time; declare it to give a description and a default:',
  'variables:',
  '  name:',
  '    description: What to ask',
  '    default: a default answer',
  'Without ${selection} in the body, the selected code (or the whole file) is attached after it.',
  'Write $${…} for a literal ${…}.',
].join('\n');

function isNode(value: unknown): value is PromptNode {
  return value !== null && typeof value === 'object' && 'kind' in value && (value.kind === 'group' || value.kind === 'prompt');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The prompt commands. Each takes its target from a tree node, a prompt name (string, for other features and
 * tests), or, from the palette, a quick pick.
 */
export class PromptCommands {
  /**
   * @param confirmSensitive asks before the active editor's code goes out when its file is sensitive (`.env`, a
   *   key…); true when it is not sensitive or the user said yes.
   */
  constructor(
    private readonly library: PromptLibraryService,
    private readonly runner: PromptRunner,
    private readonly logger: Logger,
    private readonly confirmSensitive: (uri: vscode.Uri) => Promise<boolean>,
  ) {}

  register(): vscode.Disposable {
    const reg = (id: string, fn: (arg?: unknown) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (arg?: unknown) => {
        try {
          await fn(arg);
        } catch (error) {
          this.logger.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          void vscode.window.showErrorMessage(`Tiered: ${message(error)}`);
        }
      });
    return vscode.Disposable.from(
      reg(commandIds.promptsNew, (a) => this.create(a)),
      reg(commandIds.promptsEdit, (a) => this.edit(a)),
      reg(commandIds.promptsRename, (a) => this.rename(a)),
      reg(commandIds.promptsDuplicate, (a) => this.duplicate(a)),
      reg(commandIds.promptsDelete, (a) => this.delete(a)),
      reg(commandIds.promptsMove, (a) => this.move(a)),
      reg(commandIds.promptsCustomize, (a) => this.customize(a)),
      reg(commandIds.promptsRun, (a) => this.run(a)),
      reg(commandIds.promptsCopy, (a) => this.copy(a)),
      reg(commandIds.promptsToggleFavorite, (a) => this.toggleFavorite(a)),
      reg(commandIds.promptsImport, () => this.import()),
      reg(commandIds.promptsExport, (a) => this.export(a)),
      reg(commandIds.promptsRunSaved, () => this.runSaved()),
      reg(commandIds.promptsSaveSelection, (a) => this.saveSelection(a)),
      reg(commandIds.promptsRestore, () => this.restore()),
      reg(commandIds.promptsRefresh, () => this.library.reload()),
    );
  }

  // ------------------------------------------------------------------ targets

  private async target(arg: unknown, placeHolder: string, filter: (e: PromptEntry) => boolean): Promise<PromptEntry | undefined> {
    const snap = this.library.snapshot;
    if (isNode(arg) && arg.kind === 'prompt') {
      return snap.entries.find((e) => e.id === arg.entry.id) ?? arg.entry;
    }
    if (typeof arg === 'string') {
      const found = findPrompt(snap, arg) ?? snap.entries.find((e) => nameKey(e.name) === nameKey(arg));
      if (found === undefined) {
        throw new Error(`no prompt named "${arg}"`);
      }
      return found;
    }
    const candidates = snap.entries.filter(filter);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('Tiered: no prompt fits this command.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      candidates.map((entry) => ({ label: entry.name, description: sourceLabel(entry), detail: entry.definition?.description, entry })),
      { placeHolder, matchOnDescription: true, matchOnDetail: true },
    );
    return pick?.entry;
  }

  private folderOrThrow(entry: PromptEntry): PromptFolder {
    const folder = this.library.folderOf(entry);
    if (folder === undefined) {
      throw new Error(`"${entry.name}" is a built-in prompt; copy it to the workspace or user folder to change it.`);
    }
    return folder;
  }

  /** Asks where a new prompt goes: a workspace folder (shared in git) or the user folder. */
  private async chooseFolder(title: string, exclude?: PromptFolder): Promise<PromptFolder | undefined> {
    const options: { label: string; description: string; folder: PromptFolder }[] = [];
    for (const w of this.library.workspaceFolders) {
      if (w.folder !== exclude) {
        options.push({ label: `$(repo) Workspace: ${w.workspaceFolder.name}`, description: 'in .tiered/prompts, shareable in git', folder: w.folder });
      }
    }
    if (this.library.user !== exclude) {
      options.push({ label: '$(account) User', description: 'only on this machine, in every workspace', folder: this.library.user });
    }
    if (options.length <= 1) {
      return options[0]?.folder;
    }
    return (await vscode.window.showQuickPick(options, { title, placeHolder: 'Where should the prompt live?' }))?.folder;
  }

  private async askName(folder: PromptFolder, options: { title: string; value?: string; except?: string }): Promise<string | undefined> {
    const names = (await folder.list()).filter((e) => e.file !== options.except).map((e) => nameKey(e.name));
    return vscode.window.showInputBox({
      title: options.title,
      prompt: 'Prompt name',
      value: options.value ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => {
        const name = v.trim();
        if (name === '') {
          return 'Enter a name.';
        }
        if (name.length > maxNameLength) {
          return `At most ${maxNameLength} characters.`;
        }
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u001f\u007f]/.test(name)) {
          return 'One line, without control characters.';
        }
        return names.includes(nameKey(name)) ? `A prompt named "${name}" already exists there.` : undefined;
      },
    });
  }

  private async open(file: string): Promise<void> {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }

  private async afterWrite(): Promise<void> {
    await this.library.reload();
  }

  // ------------------------------------------------------------------ management

  private async create(arg: unknown): Promise<void> {
    const preferred = isNode(arg) && arg.kind === 'group' ? (arg.source === 'user' ? this.library.user : arg.source === 'workspace' ? this.library.workspaceFolders[0]?.folder : undefined) : undefined;
    const folder = preferred ?? (await this.chooseFolder('New Prompt'));
    if (folder === undefined) {
      return;
    }
    const name = await this.askName(folder, { title: 'New Prompt' });
    if (name === undefined) {
      return;
    }
    const file = await folder.create({ name: name.trim(), description: '', tier: 'auto', variables: [], body: newPromptBody }, newPromptHelp);
    await this.afterWrite();
    await this.open(file);
  }

  private async edit(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to edit', () => true);
    if (entry === undefined) {
      return;
    }
    if (entry.file === undefined) {
      await vscode.window.showTextDocument(builtinUri(entry), { preview: true });
      const choice = await vscode.window.showInformationMessage(`"${entry.name}" is built in and read-only. Copy it to change it?`, 'Copy to Customize');
      if (choice) {
        await this.customize(entry.name);
      }
      return;
    }
    await this.open(entry.file);
  }

  private async rename(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to rename', (e) => e.file !== undefined && isUsable(e));
    if (entry?.file === undefined) {
      return;
    }
    const folder = this.folderOrThrow(entry);
    const name = await this.askName(folder, { title: `Rename "${entry.name}"`, value: entry.name, except: entry.file });
    if (name === undefined || name.trim() === entry.name) {
      return;
    }
    const oldKey = usageKey(entry);
    const file = await folder.rename(entry.file, name);
    await this.library.stats.move(oldKey, usageKey({ source: entry.source, name: name.trim(), file }));
    await this.afterWrite();
  }

  private async duplicate(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to duplicate', isUsable);
    if (entry === undefined || !isUsable(entry)) {
      return;
    }
    const folder = this.library.folderOf(entry) ?? (await this.chooseFolder(`Duplicate "${entry.name}"`));
    if (folder === undefined) {
      return;
    }
    const name = uniqueName(`${entry.name} copy`, (await folder.list()).map((e) => e.name));
    const file = await folder.create({ ...entry.definition, name });
    await this.afterWrite();
    await this.open(file);
  }

  private async customize(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Built-in prompt to copy', (e) => e.source === 'builtin');
    if (entry === undefined || !isUsable(entry)) {
      return;
    }
    const folder = await this.chooseFolder(`Copy "${entry.name}" to customize`);
    if (folder === undefined) {
      return;
    }
    const existing = await folder.findByName(entry.name);
    if (existing?.file !== undefined) {
      await this.open(existing.file);
      void vscode.window.showInformationMessage(`Tiered: "${entry.name}" already has a copy there; opened it.`);
      return;
    }
    // Same name: the copy wins over the built-in, which stays untouched.
    const file = await folder.create(entry.definition);
    await this.afterWrite();
    await this.open(file);
  }

  private async delete(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to delete', (e) => e.file !== undefined);
    if (entry?.file === undefined) {
      return;
    }
    const folder = this.folderOrThrow(entry);
    const ok = await vscode.window.showWarningMessage(
      `Delete the prompt "${entry.name}"?`,
      { modal: true, detail: `The file is moved to the prompt trash (${this.library.trash.dir}); "Restore Deleted Prompt…" brings it back.` },
      'Move to Trash',
    );
    if (ok !== 'Move to Trash') {
      return;
    }
    const trashed = await folder.delete(entry.file);
    this.logger.info(`Prompt "${entry.name}" moved to the trash: ${trashed}`);
    await this.afterWrite();
  }

  private async move(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to move', (e) => e.file !== undefined);
    if (entry?.file === undefined) {
      return;
    }
    const from = this.folderOrThrow(entry);
    const to = await this.chooseFolder(`Move "${entry.name}"`, from);
    if (to === undefined) {
      return;
    }
    const oldKey = usageKey(entry);
    const file = await from.moveTo(entry.file, to);
    await this.library.stats.move(oldKey, usageKey({ source: to.source, name: entry.name, file }));
    await this.afterWrite();
  }

  private async copy(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to copy', isUsable);
    if (entry === undefined || !isUsable(entry)) {
      return;
    }
    await vscode.env.clipboard.writeText(entry.definition.body);
    void vscode.window.setStatusBarMessage(`Tiered: copied the text of "${entry.name}"`, 3000);
  }

  private async toggleFavorite(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to mark or unmark as favorite', isUsable);
    if (entry === undefined) {
      return;
    }
    await this.library.stats.toggleFavorite(usageKey(entry));
    this.library.notifyUsageChanged();
  }

  private async restore(): Promise<void> {
    const trashed = await this.library.trash.list();
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
    const restored = await this.library.trash.restore(pick.file, this.library.user.dir);
    await this.afterWrite();
    await this.open(restored);
  }

  // ------------------------------------------------------------------ import / export

  private async import(): Promise<void> {
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
        this.logger.info(`Import ${c.origin}: ${note}`);
      }
    }
    for (const p of problems) {
      this.logger.warn(`Import: ${p}`);
    }
    if (candidates.length === 0) {
      void vscode.window.showErrorMessage(`Tiered: nothing to import. ${problems[0] ?? ''}`, 'Show Log').then((c) => c && vscode.commands.executeCommand(commandIds.showLog));
      return;
    }
    const folder = await this.chooseFolder(`Import ${candidates.length} prompt${candidates.length === 1 ? '' : 's'}`);
    if (folder === undefined) {
      return;
    }
    const existing = await folder.list();
    const plan = planImport(candidates, existing.map((e) => e.name));
    const decisions: { candidate: ImportCandidate; decision: ConflictDecision }[] = [];
    let applyAll: ConflictDecision | undefined;
    for (const conflict of plan.conflicts) {
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
          { title: `"${conflict.candidate.prompt.name}" already exists (${conflict.candidate.origin})`, placeHolder: 'What should happen to this prompt?', ignoreFocusOut: true },
        );
        if (pick === undefined) {
          // Cancelling the question cancels the whole import: nothing has been written yet.
          return;
        }
        decision = pick.decision;
        if (pick.all) {
          applyAll = pick.decision;
        }
      }
      decisions.push({ candidate: conflict.candidate, decision });
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
    await this.afterWrite();
    const skipped = decisions.filter((d) => d.decision === 'skip').length;
    void vscode.window.showInformationMessage(
      `Tiered: imported ${imported} prompt${imported === 1 ? '' : 's'}${skipped > 0 ? `, skipped ${skipped}` : ''}${problems.length > 0 ? `; ${problems.length} could not be read (see the log)` : ''}.`,
    );
  }

  private async export(arg: unknown): Promise<void> {
    const usable = this.library.snapshot.entries.filter(isUsable);
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

  // ------------------------------------------------------------------ running

  /**
   * Asks for the prompt's inputs and fills its variables from the active editor. Undefined when the prompt is
   * malformed (reported) or the user cancelled an input (then nothing more is asked and nothing is sent).
   */
  async resolveEntry(entry: PromptEntry): Promise<ResolvedPrompt | undefined> {
    if (!isUsable(entry)) {
      const p = entry.problems.find((x) => x.severity === 'error');
      const choice = await vscode.window.showErrorMessage(`Tiered: the prompt "${entry.name}" cannot run: line ${p?.line ?? 1}: ${p?.message ?? 'malformed'}`, 'Open File');
      if (choice && entry.file) {
        await this.open(entry.file);
      }
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const inputs = new Map<string, string>();
    for (const input of inputsOf(entry.definition)) {
      const value = await vscode.window.showInputBox({
        title: `${entry.name}: ${input.name}`,
        prompt: input.description,
        ...(input.default !== undefined ? { value: input.default } : {}),
        ...(input.placeholder !== undefined ? { placeHolder: input.placeholder } : {}),
        ignoreFocusOut: true,
      });
      if (value === undefined) {
        return undefined;
      }
      inputs.set(input.name, value);
    }
    const resolved = resolvePrompt(entry, editorValues(editor), inputs);
    // The editor's code goes out (attached, or placed by the body): a sensitive file only if the user says so.
    if (editor !== undefined && (resolved.attachment !== undefined || usesCode(entry.definition.body)) && !(await this.confirmSensitive(editor.document.uri))) {
      return undefined;
    }
    await this.library.stats.recordRun(usageKey(entry));
    this.library.notifyUsageChanged();
    return resolved;
  }

  /**
   * Resolves the prompt (asking for its inputs) and hands it to the runner. False when nothing was sent.
   * `extra`: text typed after the chat's `/` command, added after the instructions (see withExtraInstructions).
   */
  async runEntry(entry: PromptEntry, extra?: string): Promise<boolean> {
    const resolved = await this.resolveEntry(entry);
    if (resolved === undefined) {
      return false;
    }
    await this.runner.run(withExtraInstructions(resolved, extra));
    return true;
  }

  private async run(arg: unknown): Promise<void> {
    const entry = await this.target(arg, 'Prompt to run', isUsable);
    if (entry !== undefined) {
      await this.runEntry(entry);
    }
  }

  private async runSaved(): Promise<void> {
    const effective = this.library.snapshot.effective;
    if (effective.length === 0) {
      void vscode.window.showInformationMessage('Tiered: no saved prompts yet.');
      return;
    }
    const broken = this.library.snapshot.entries.filter((e) => !isUsable(e)).length;
    const items = effective
      .map((entry) => ({ entry, usage: this.library.usage(entry), name: entry.name }))
      .sort(compareForPick)
      .map(({ entry, usage }) => ({
        label: `${usage.favorite ? '$(star-full) ' : ''}${entry.name}`,
        description: [sourceLabel(entry), entry.definition.tier !== 'auto' ? `${entry.definition.tier} tier` : '', usage.count > 0 ? `${usage.count}×` : ''].filter((s) => s !== '').join(' · '),
        detail: entry.definition.description || undefined,
        entry,
      }));
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Run Saved Prompt',
      placeHolder: `Type to search ${effective.length} prompts${broken > 0 ? ` (${broken} malformed skipped; see Problems)` : ''}`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (pick !== undefined) {
      await this.runEntry(pick.entry);
    }
  }

  /** "Save Selection as Prompt": from the editor selection, or from text passed by another feature (e.g. a chat message). */
  private async saveSelection(arg: unknown): Promise<void> {
    let text: string | undefined;
    if (typeof arg === 'string') {
      text = arg;
    } else if (arg !== null && typeof arg === 'object' && 'text' in arg && typeof arg.text === 'string') {
      text = arg.text;
    } else {
      const editor = vscode.window.activeTextEditor;
      text = editor?.selections
        .filter((s) => !s.isEmpty)
        .map((s) => editor.document.getText(s))
        .join('\n');
    }
    if (text === undefined || text.trim() === '') {
      void vscode.window.showInformationMessage('Tiered: select the prompt text first.');
      return;
    }
    const folder = await this.chooseFolder('Save as Prompt');
    if (folder === undefined) {
      return;
    }
    const name = await this.askName(folder, { title: 'Save as Prompt' });
    if (name === undefined) {
      return;
    }
    try {
      const file = await folder.create({ name: name.trim(), description: '', tier: 'auto', variables: [], body: text.trim() });
      await this.afterWrite();
      await this.open(file);
    } catch (error) {
      if (error instanceof PromptNameTakenError) {
        void vscode.window.showErrorMessage(`Tiered: ${error.message}`);
        return;
      }
      throw error;
    }
  }
}

function sourceLabel(entry: PromptEntry): string {
  const base = entry.source === 'workspace' ? 'workspace' : entry.source === 'user' ? 'user' : 'built-in';
  return entry.shadowedBy ? `${base}, hidden by ${entry.shadowedBy}` : base;
}
