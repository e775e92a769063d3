/**
 * The sensitive-file guard inside the real VS Code extension host, against the fake Ollama server (TEST DOUBLE):
 * `.tieredignore` is read and watched, `tiered.context.exclude` adds up across scopes (a workspace value cannot drop
 * the user's), and a malformed entry is reported while the rest still apply. Read through "Why No Completion?".
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateTiered, eventually, fakeOllamaUrl, setSetting, tieredLogText } from './helpers';

/** The newest line of "Why No Completion?" about the file ("- 1.0 s ago: todo.txt (plaintext) — skipped: …"), or ''. */
async function lastAttempt(name: string): Promise<string> {
  const text = await vscode.commands.executeCommand<string>('tiered.whyNoCompletion');
  // The report opens beside the editor; the file under test is brought back by the caller.
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  return text.split('\n').find((l) => l.startsWith('- ') && l.includes(`: ${name} (`)) ?? '';
}

/** Opens the file, asks for a completion at its end, and returns the report's line once it is about this file. */
async function attemptIn(file: string, accept: (line: string) => boolean): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(file);
  let line = '';
  for (let i = 0; i < 20; i++) {
    const editor = await vscode.window.showTextDocument(doc);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await new Promise((r) => setTimeout(r, 750));
    line = await lastAttempt(path.basename(file));
    if (line !== '' && accept(line)) {
      return line;
    }
  }
  assert.fail(`the attempt in ${path.basename(file)} was not as expected; last report line: ${line}`);
}

suite('Tiered in VS Code: sensitive files', () => {
  let root: string;
  const created: string[] = [];
  const write = (rel: string, text: string): string => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    created.push(file);
    return file;
  };

  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await setSetting('completion.debounceMs', 0);
    await activateTiered();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    root = folder.uri.fsPath;
  });

  suiteTeardown(async () => {
    await setSetting('context.exclude', undefined);
    await vscode.workspace.getConfiguration('tiered').update('context.exclude', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const file of created) {
      fs.rmSync(file, { force: true });
    }
  });

  test('.tieredignore is read and watched: a rule excludes at once, and removing it lifts the exclusion', async () => {
    write('.tieredignore', '# customer data\nnotes/\n');
    const todo = write('notes/todo.txt', 'call the customer about\n');
    const excluded = await attemptIn(todo, (l) => l.includes('excluded'));
    assert.match(excluded, /skipped: No completion request is sent from this file: `notes\/todo\.txt` is excluded by `notes\/` \(line 2 of \.tieredignore\)/);
    write('.tieredignore', '# nothing excluded any more\n');
    // The newest attempt in the same file is no longer skipped as excluded (it goes on to the model).
    const lifted = await attemptIn(todo, (l) => !l.includes('excluded'));
    assert.doesNotMatch(lifted, /excluded/);
  });

  test('tiered.context.exclude adds to the built-ins; a workspace value cannot drop the user one; a malformed entry is reported and the rest apply', async () => {
    const plan = write('plans/q3.confidential', 'launch date:\n');
    await setSetting('context.exclude', ['**/*.confidential']);
    assert.match(await attemptIn(plan, (l) => l.includes('excluded')), /`\*\*\/\*\.confidential` in setting tiered\.context\.exclude/);

    // A workspace's own value (which VS Code would let replace the user's list) only adds.
    await vscode.workspace.getConfiguration('tiered').update('context.exclude', ['**/*.draft'], vscode.ConfigurationTarget.Workspace);
    // (A new file each time: the report's newest line about it is from this very attempt.)
    const plan2 = write('plans/q3b.confidential', 'launch date:\n');
    assert.match(await attemptIn(plan2, (l) => l.includes('excluded')), /`\*\*\/\*\.confidential` in setting/, 'the user pattern still applies');
    const draft = write('plans/q4.draft', 'budget:\n');
    assert.match(await attemptIn(draft, (l) => l.includes('excluded')), /`\*\*\/\*\.draft` in setting/, 'the workspace pattern applies too');
    await vscode.workspace.getConfiguration('tiered').update('context.exclude', undefined, vscode.ConfigurationTarget.Workspace);

    await setSetting('context.exclude', [42, '**/*.confidential']);
    const plan3 = write('plans/q3c.confidential', 'launch date:\n');
    assert.match(await attemptIn(plan3, (l) => l.includes('excluded')), /`\*\*\/\*\.confidential` in setting/, 'the valid entry still applies');
    const log = await eventually(() => tieredLogText()?.includes('Entry 1 of setting tiered.context.exclude is 42, not a glob'), 15_000);
    assert.ok(log, 'the malformed entry is reported in the log');
  });
});
