/** New, Edit, Duplicate, Copy to Customize, Save Selection as Prompt: the commands that create or open a prompt file. */
import * as vscode from 'vscode';
import { uniqueName } from '../../../prompts/library';
import { PromptNameTakenError } from '../../../prompts/promptFolder';
import { isUsable } from '../../../prompts/types';
import { commandIds } from '../../commands/commandIds';
import { builtinUri } from '../promptsTree';
import { isNode } from './promptCommandContext';
import type { PromptCommandContext } from './promptCommandContext';
import type { PromptCommandHandlers } from './types';

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

export function createCommands(ctx: PromptCommandContext): PromptCommandHandlers {
  return {
    [commandIds.promptsNew]: (a) => create(ctx, a),
    [commandIds.promptsEdit]: (a) => edit(ctx, a),
    [commandIds.promptsDuplicate]: (a) => duplicate(ctx, a),
    [commandIds.promptsCustomize]: (a) => customize(ctx, a),
    [commandIds.promptsSaveSelection]: (a) => saveSelection(ctx, a),
  };
}

async function create(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const library = ctx.library;
  const preferred = isNode(arg) && arg.kind === 'group' ? (arg.source === 'user' ? library.user : arg.source === 'workspace' ? library.workspaceFolders[0]?.folder : undefined) : undefined;
  const folder = preferred ?? (await ctx.chooseFolder('New Prompt'));
  if (folder === undefined) {
    return;
  }
  const name = await ctx.askName(folder, { title: 'New Prompt' });
  if (name === undefined) {
    return;
  }
  const file = await folder.create({ name: name.trim(), description: '', tier: 'auto', variables: [], body: newPromptBody }, newPromptHelp);
  await ctx.afterWrite();
  await ctx.open(file);
}

async function edit(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to edit', () => true);
  if (entry === undefined) {
    return;
  }
  if (entry.file === undefined) {
    await vscode.window.showTextDocument(builtinUri(entry), { preview: true });
    const choice = await vscode.window.showInformationMessage(`"${entry.name}" is built in and read-only. Copy it to change it?`, 'Copy to Customize');
    if (choice) {
      await customize(ctx, entry.name);
    }
    return;
  }
  await ctx.open(entry.file);
}

async function duplicate(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Prompt to duplicate', isUsable);
  if (entry === undefined || !isUsable(entry)) {
    return;
  }
  const folder = ctx.library.folderOf(entry) ?? (await ctx.chooseFolder(`Duplicate "${entry.name}"`));
  if (folder === undefined) {
    return;
  }
  const name = uniqueName(`${entry.name} copy`, (await folder.list()).map((e) => e.name));
  const file = await folder.create({ ...entry.definition, name });
  await ctx.afterWrite();
  await ctx.open(file);
}

async function customize(ctx: PromptCommandContext, arg: unknown): Promise<void> {
  const entry = await ctx.target(arg, 'Built-in prompt to copy', (e) => e.source === 'builtin');
  if (entry === undefined || !isUsable(entry)) {
    return;
  }
  const folder = await ctx.chooseFolder(`Copy "${entry.name}" to customize`);
  if (folder === undefined) {
    return;
  }
  const existing = await folder.findByName(entry.name);
  if (existing?.file !== undefined) {
    await ctx.open(existing.file);
    void vscode.window.showInformationMessage(`Tiered: "${entry.name}" already has a copy there; opened it.`);
    return;
  }
  // Same name: the copy wins over the built-in, which stays untouched.
  const file = await folder.create(entry.definition);
  await ctx.afterWrite();
  await ctx.open(file);
}

/** "Save Selection as Prompt": from the editor selection, or from text passed by another feature (e.g. a chat message). */
async function saveSelection(ctx: PromptCommandContext, arg: unknown): Promise<void> {
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
  const folder = await ctx.chooseFolder('Save as Prompt');
  if (folder === undefined) {
    return;
  }
  const name = await ctx.askName(folder, { title: 'Save as Prompt' });
  if (name === undefined) {
    return;
  }
  try {
    const file = await folder.create({ name: name.trim(), description: '', tier: 'auto', variables: [], body: text.trim() });
    await ctx.afterWrite();
    await ctx.open(file);
  } catch (error) {
    if (error instanceof PromptNameTakenError) {
      void vscode.window.showErrorMessage(`Tiered: ${error.message}`);
      return;
    }
    throw error;
  }
}
