/** Run Prompt and Run Saved Prompt…: ask the prompt's inputs, fill its variables from the editor, hand it to the runner. */
import * as vscode from 'vscode';
import { resolvePrompt } from '../../../prompts/resolve';
import { isUsable } from '../../../prompts/types';
import type { PromptEntry, ResolvedPrompt } from '../../../prompts/types';
import { compareForPick, usageKey } from '../../../prompts/usageStats';
import { inputsOf, usesCode } from '../../../prompts/variables';
import { commandIds } from '../../commands/commandIds';
import { editorValues } from '../editorValues';
import type { PromptRunner } from '../promptRunner';
import { withExtraInstructions } from '../slashPrompts';
import { sourceLabel } from './promptCommandContext';
import type { PromptCommandContext } from './promptCommandContext';
import type { PromptCommandHandlers } from './types';

export class PromptRunCommands {
  /**
   * @param confirmSensitive asks before the active editor's code goes out when its file is sensitive (`.env`, a
   *   key…); true when it is not sensitive or the user said yes.
   */
  constructor(
    private readonly ctx: PromptCommandContext,
    private readonly runner: PromptRunner,
    private readonly confirmSensitive: (uri: vscode.Uri) => Promise<boolean>,
  ) {}

  handlers(): PromptCommandHandlers {
    return {
      [commandIds.promptsRun]: (a) => this.run(a),
      [commandIds.promptsRunSaved]: () => this.runSaved(),
    };
  }

  /**
   * Asks for the prompt's inputs and fills its variables from the active editor. Undefined when the prompt is
   * malformed (reported) or the user cancelled an input (then nothing more is asked and nothing is sent).
   */
  async resolveEntry(entry: PromptEntry): Promise<ResolvedPrompt | undefined> {
    if (!isUsable(entry)) {
      const p = entry.problems.find((x) => x.severity === 'error');
      const choice = await vscode.window.showErrorMessage(`Tiered: the prompt "${entry.name}" cannot run: line ${p?.line ?? 1}: ${p?.message ?? 'malformed'}`, 'Open File');
      if (choice && entry.file) {
        await this.ctx.open(entry.file);
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
    await this.ctx.library.stats.recordRun(usageKey(entry));
    this.ctx.library.notifyUsageChanged();
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
    const entry = await this.ctx.target(arg, 'Prompt to run', isUsable);
    if (entry !== undefined) {
      await this.runEntry(entry);
    }
  }

  private async runSaved(): Promise<void> {
    const library = this.ctx.library;
    const effective = library.snapshot.effective;
    if (effective.length === 0) {
      void vscode.window.showInformationMessage('Tiered: no saved prompts yet.');
      return;
    }
    const broken = library.snapshot.entries.filter((e) => !isUsable(e)).length;
    const items = effective
      .map((entry) => ({ entry, usage: library.usage(entry), name: entry.name }))
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
}
