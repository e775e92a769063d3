/**
 * What every prompt command shares: the library, the log, and the small dialogs they have in common (which
 * prompt, which folder, what name). Each command module takes its target from a tree node, a prompt name (a
 * string, for other features and tests) or, from the palette, a quick pick.
 */
import * as vscode from 'vscode';
import { maxNameLength, nameKey } from '../../../prompts/format';
import { findPrompt } from '../../../prompts/library';
import type { PromptFolder } from '../../../prompts/promptFolder';
import type { PromptEntry } from '../../../prompts/types';
import type { Logger } from '../../../util/logger';
import type { PromptLibraryService } from '../promptLibraryService';
import type { PromptNode } from '../promptsTree';

export function isNode(value: unknown): value is PromptNode {
  return value !== null && typeof value === 'object' && 'kind' in value && (value.kind === 'group' || value.kind === 'prompt');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "workspace", "user" or "built-in", and which prompt hides it. */
export function sourceLabel(entry: PromptEntry): string {
  const base = entry.source === 'workspace' ? 'workspace' : entry.source === 'user' ? 'user' : 'built-in';
  return entry.shadowedBy ? `${base}, hidden by ${entry.shadowedBy}` : base;
}

export class PromptCommandContext {
  constructor(
    readonly library: PromptLibraryService,
    readonly logger: Logger,
  ) {}

  /** The prompt a command acts on: from a tree node, a name, or a quick pick of the entries `filter` accepts. */
  async target(arg: unknown, placeHolder: string, filter: (e: PromptEntry) => boolean): Promise<PromptEntry | undefined> {
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

  folderOrThrow(entry: PromptEntry): PromptFolder {
    const folder = this.library.folderOf(entry);
    if (folder === undefined) {
      throw new Error(`"${entry.name}" is a built-in prompt; copy it to the workspace or user folder to change it.`);
    }
    return folder;
  }

  /** Asks where a new prompt goes: a workspace folder (shared in git) or the user folder. */
  async chooseFolder(title: string, exclude?: PromptFolder): Promise<PromptFolder | undefined> {
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

  async askName(folder: PromptFolder, options: { title: string; value?: string; except?: string }): Promise<string | undefined> {
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

  async open(file: string): Promise<void> {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }

  /** After a file was written: re-read the library now (the watcher would, later). */
  async afterWrite(): Promise<void> {
    await this.library.reload();
  }
}
