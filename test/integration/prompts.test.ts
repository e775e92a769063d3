/** Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateTiered, eventually, fakeOllamaUrl, setSetting, tieredLogText } from './helpers';

interface Recorded {
  readonly path: string;
  readonly model: string | undefined;
  readonly rawBody: string;
}

async function fakeRequests(): Promise<Recorded[]> {
  const res = await fetch(`${fakeOllamaUrl()}/__fake/requests`);
  return (await res.json()) as Recorded[];
}

suite('Tiered in VS Code: saved prompt library', () => {
  let promptDir: string;

  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await setSetting('tiers.moe.model', 'qwen3:30b-a3b');
    await activateTiered();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    promptDir = path.join(folder.uri.fsPath, '.tiered', 'prompts');
    fs.mkdirSync(promptDir, { recursive: true });
  });

  suiteTeardown(async () => {
    await setSetting('tiers.moe.model', undefined);
    fs.rmSync(path.join(promptDir, '..'), { recursive: true, force: true });
  });

  test('the prompt commands are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tiered.prompts.new', 'tiered.prompts.run', 'tiered.prompts.runSaved', 'tiered.prompts.import', 'tiered.prompts.export', 'tiered.prompts.delete']) {
      assert.ok(commands.includes(id), `command ${id} is registered`);
    }
  });

  test('a malformed workspace prompt file shows in Problems with its line, and stays untouched', async () => {
    const file = path.join(promptDir, 'broken.tiered.md');
    const text = '---\nname: Broken\ntier: gigantic\n---\nbody\n';
    fs.writeFileSync(file, text);
    const found = await eventually(() => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(file));
      return d.length > 0 ? d : undefined;
    });
    assert.ok(found, `a diagnostic appears for the malformed file; log:\n${(tieredLogText() ?? '(no log)').slice(-3000)}`);
    assert.equal(found[0]?.range.start.line, 2, 'the problem is on line 3 (tier)');
    assert.match(found[0]?.message ?? '', /tier/);
    assert.equal(found[0]?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
  });

  test('an old-style *.prompt.md file dropped in while running is renamed to *.tiered.md and joins the library', async () => {
    const text = '---\nname: Dropped Legacy\ntier: small\n---\nSay hi.\n';
    fs.writeFileSync(path.join(promptDir, 'dropped-legacy.prompt.md'), text);
    const migrated = path.join(promptDir, 'dropped-legacy.tiered.md');
    let known = false;
    for (let i = 0; i < 100 && !known; i++) {
      const prompts = (await vscode.commands.executeCommand<{ name: string }[]>('tiered.prompts.internal.menu')) ?? [];
      known = prompts.some((p) => p.name === 'Dropped Legacy') && fs.existsSync(migrated);
      if (!known) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(known, `the old file was migrated and listed; folder: ${fs.readdirSync(promptDir).join(', ')}`);
    assert.equal(fs.readFileSync(migrated, 'utf8'), text, 'content unchanged');
    assert.ok(!fs.existsSync(path.join(promptDir, 'dropped-legacy.prompt.md')), 'the old name is gone');
    const logged = await eventually(() => /renamed .*dropped-legacy\.prompt\.md to dropped-legacy\.tiered\.md/.test(tieredLogText() ?? ''));
    assert.ok(logged, 'the rename is in the Tiered log');
  });

  test('a workspace prompt (picked up live) runs on the selection with its tier hint and filled variables', async () => {
    fs.writeFileSync(
      path.join(promptDir, 'team-summary.tiered.md'),
      '---\nname: Team Summary\ndescription: test\ntier: moe\n---\nSummarise this ${language} code from ${fileBasename}. Literal: $${selection}\n',
    );
    const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: 'export const answer = 42; // SELECTED-MARKER ${HOME}\nconst other = 1;\n' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, doc.lineAt(0).text.length);
    const before = (await fakeRequests()).length;
    // The file watcher reloads the library: wait until the prompt is known (run reports an unknown name itself).
    let known = false;
    for (let i = 0; i < 100 && !known; i++) {
      const prompts = (await vscode.commands.executeCommand<{ name: string }[]>('tiered.prompts.internal.menu')) ?? [];
      known = prompts.some((p) => p.name === 'Team Summary');
      if (!known) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(known, 'the new prompt file was picked up live');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('tiered.prompts.run', 'Team Summary');
    const chat = (await fakeRequests()).slice(before).find((r) => r.path === '/api/chat');
    assert.ok(chat, `a chat request reached the server (Tiered log:\n${(tieredLogText() ?? "").split('\n').slice(-25).join('\n')})`);
    assert.equal(chat.model, 'qwen3:30b-a3b', 'the moe tier hint is honoured');
    const body = JSON.parse(chat.rawBody) as { messages: { content: string }[] };
    const content = body.messages.map((m) => m.content).join('\n');
    assert.match(content, /Summarise this typescript code from Untitled-\d+\. Literal: \$\{selection\}/);
    assert.ok(content.indexOf('SELECTED-MARKER ${HOME}') > content.indexOf('Summarise'), 'the selection comes after the instructions, unexpanded');
    assert.ok(!content.includes('const other'), 'only the selection is sent');
    // The prompt runs in the chat view: the answer streams to its end (the server saw the whole stream read).
    let finished: Recorded | undefined;
    for (let i = 0; i < 100 && !finished; i++) {
      const all = (await fakeRequests()) as (Recorded & { outcome?: string })[];
      finished = all.slice(before).find((r) => r.path === '/api/chat' && r.outcome === 'completed');
      if (!finished) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(finished, 'the answer was streamed to the end into the chat');
  });
});
