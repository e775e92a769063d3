/**
 * Runs inside the real VS Code extension host: the scope of the connection settings is in force (VS Code refuses to
 * write them to workspace settings), and commands that write settings write the user's own value, never a copy of
 * the workspace's, and say when the workspace's value wins.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateTiered, eventually, fakeOllamaUrl, setSetting, tieredLogText } from './helpers';

const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('tiered');

async function setWorkspace(key: string, value: unknown): Promise<void> {
  await config().update(key, value, vscode.ConfigurationTarget.Workspace);
}

suite('Tiered in VS Code: settings a workspace cannot set, and settings writes', () => {
  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await activateTiered();
  });

  suiteTeardown(async () => {
    await setWorkspace('completion.enabled', undefined);
    await setWorkspace('completion.disabledLanguages', undefined);
    await setSetting('completion.enabled', undefined);
    await setSetting('completion.disabledLanguages', undefined);
  });

  test('VS Code refuses to write a connection setting to the workspace settings', async () => {
    for (const key of ['ollama.baseUrl', 'openAiEndpoints', 'tiers.code.endpoint']) {
      await assert.rejects(setWorkspace(key, key === 'openAiEndpoints' ? [] : 'http://127.0.0.1:9'), `tiered.${key} cannot be written to the workspace`);
      assert.equal(config().inspect(key)?.workspaceValue, undefined);
    }
    assert.equal(config().get('ollama.baseUrl'), fakeOllamaUrl());
  });

  test('Toggle Completions writes the user value and says when the workspace value wins', async () => {
    await setWorkspace('completion.enabled', false);
    await vscode.commands.executeCommand('tiered.toggleCompletions');
    const levels = config().inspect<boolean>('completion.enabled');
    assert.equal(levels?.globalValue, true, 'the user asked for completions on: saved in user settings');
    assert.equal(levels?.workspaceValue, false, 'the workspace value is left alone');
    const said = await eventually(() => tieredLogText()?.match(/this workspace sets "tiered\.completion\.enabled" to false, which wins/)?.[0], 10_000);
    assert.ok(said, 'the log (and a warning) say the workspace value wins');
    await setWorkspace('completion.enabled', undefined);
    await setSetting('completion.enabled', undefined);
  });

  test('Toggle Completions for a language starts from the user list, never copying the workspace list', async () => {
    await setSetting('completion.disabledLanguages', ['go']);
    await setWorkspace('completion.disabledLanguages', ['python']);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder.uri.fsPath, 'scripts', 'report.py')));
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'python');
    // Python is off (by the workspace): toggling asks for it on. The user's own list has no python to remove.
    await vscode.commands.executeCommand('tiered.toggleCompletionsForLanguage');
    const levels = config().inspect<string[]>('completion.disabledLanguages');
    assert.deepEqual(levels?.globalValue, ['go'], "the user's own list, without the workspace's entries");
    assert.deepEqual(levels?.workspaceValue, ['python']);
    await setWorkspace('completion.disabledLanguages', undefined);
    // Now python is on: toggling turns it off in the user's list.
    await vscode.commands.executeCommand('tiered.toggleCompletionsForLanguage');
    assert.deepEqual(config().inspect<string[]>('completion.disabledLanguages')?.globalValue, ['go', 'python']);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
