/**
 * `tiered.evaluation.saveChatAnswerAsCase`: a chat answer the user liked or disliked becomes a test case. The chat
 * calls it with one object (validated here with zod, as the command can be run with any arguments):
 * `{ promptName?, message, answer, rating: 'liked' | 'disliked', vars?, selection?, language?, file? }`.
 * An answer to a saved prompt of this workspace goes to that prompt's cases file (`x.cases.yaml` next to
 * `x.tiered.md`); anything else (a free message, a built-in or personal prompt) to the workspace's "Chat answers"
 * suite in `.tiered/evals/cases/`, whose prompt is the message. The cases file is opened at the new case so its
 * criterion can be sharpened.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { casesFileFor } from '../../evaluation/cases';
import { addChatCase, chatAnswerCaseSchema, chatSuiteBaseName, chatSuitePromptFile } from '../../evaluation/chatCase';
import type { ChatAnswerCase } from '../../evaluation/chatCase';
import { nameKey, parsePromptFile, promptFileExtension } from '../../prompts/format';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';

/** What the command did (for tests): the cases file and the new case's name. */
export interface SavedCase {
  readonly casesFile: string;
  readonly caseName: string;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** The workspace prompt file named `name`, if any. */
async function workspacePromptFile(name: string): Promise<vscode.Uri | undefined> {
  const key = nameKey(name);
  for (const uri of await vscode.workspace.findFiles('**/*.{tiered,prompt}.md', '**/node_modules/**', 500)) {
    const source = await readText(uri);
    if (source === undefined) {
      continue;
    }
    const parsed = parsePromptFile(source, uri.fsPath);
    if (parsed.ok && nameKey(parsed.prompt.name) === key) {
      return uri;
    }
  }
  return undefined;
}

/** Where the case goes: the saved prompt's cases file, or the chat suite's (created with its prompt when missing). */
async function target(input: ChatAnswerCase): Promise<{ casesFile: vscode.Uri; forSavedPrompt: boolean } | { error: string }> {
  if (input.promptName !== undefined) {
    const promptFile = await workspacePromptFile(input.promptName);
    if (promptFile !== undefined) {
      return { casesFile: vscode.Uri.file(casesFileFor(promptFile.fsPath)), forSavedPrompt: true };
    }
  }
  if (input.message.trim() === '') {
    return { error: `the prompt "${input.promptName ?? ''}" is not a file of this workspace and there is no message to save` };
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    return { error: 'open a folder first: test cases are saved in the workspace (.tiered/evals/cases/)' };
  }
  const dir = path.join(folder.uri.fsPath, '.tiered', 'evals', 'cases');
  const promptFile = vscode.Uri.file(path.join(dir, `${chatSuiteBaseName}${promptFileExtension}`));
  if ((await readText(promptFile)) === undefined) {
    await vscode.workspace.fs.writeFile(promptFile, new TextEncoder().encode(chatSuitePromptFile()));
  }
  return { casesFile: vscode.Uri.file(path.join(dir, `${chatSuiteBaseName}.cases.yaml`)), forSavedPrompt: false };
}

/** Registers the command. */
export function registerSaveChatAnswer(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.saveChatAnswerAsCase, async (raw: unknown): Promise<SavedCase | undefined> => {
    const parsed = chatAnswerCaseSchema.safeParse(raw);
    if (!parsed.success) {
      services.logger.warn(`Evaluation: save as test case refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      void vscode.window.showErrorMessage('Tiered: this answer could not be saved as a test case (see the Tiered log).');
      return undefined;
    }
    const input = parsed.data;
    const where = await target(input);
    if ('error' in where) {
      void vscode.window.showErrorMessage(`Tiered: not saved as a test case: ${where.error}.`);
      return undefined;
    }
    const existing = await readText(where.casesFile);
    const added = addChatCase(existing, input, where.forSavedPrompt, where.forSavedPrompt ? undefined : 'chat');
    if (!added.ok) {
      void vscode.window.showErrorMessage(`Tiered: not saved as a test case: ${vscode.workspace.asRelativePath(where.casesFile)}: ${added.message}.`);
      return undefined;
    }
    await vscode.workspace.fs.writeFile(where.casesFile, new TextEncoder().encode(added.text));
    services.logger.info(`Evaluation: saved the ${input.rating} answer as test case "${added.name}" in ${where.casesFile.fsPath}.`);
    const doc = await vscode.workspace.openTextDocument(where.casesFile);
    const line = Math.max(0, doc.getText().split('\n').findIndex((l) => l.includes(added.name)));
    await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(line, 0, line, 0) });
    void vscode.window.showInformationMessage(`Tiered: saved as test case "${added.name}". Sharpen its criterion if needed, then run Tiered: Run Evaluation Suite.`, 'Run Suite').then((choice) => {
      if (choice !== undefined) {
        void vscode.commands.executeCommand(commandIds.runEvaluationSuite, where.casesFile);
      }
    });
    return { casesFile: where.casesFile.fsPath, caseName: added.name };
  });
}
