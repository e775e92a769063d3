/**
 * Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE).
 * Issue 16: Explain right after opening files (the TypeScript server still loading them) sent the import lines
 * labelled "definition of daysBetween". Now a starting server is waited for briefly, an import is never labelled a
 * definition, and what could not be found is named in the answer's Context note.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateTiered, fakeOllamaUrl, setSetting } from './helpers';

interface Recorded {
  readonly path: string;
  readonly rawBody: string;
}

interface ExplainResult {
  readonly status: string;
  readonly notes: readonly string[];
}

const files: Readonly<Record<string, string>> = {
  'dates.ts': [
    '/**',
    ' * Whole days between two instants given in minutes since the epoch, rounded down.',
    ' */',
    'export function daysBetween(from: number, to: number): number {',
    '  return Math.floor((to - from) / 1440);',
    '}',
    '',
  ].join('\n'),
  'format.ts': ['/** "2 h 05 min" for 125 minutes. */', 'export function formatDuration(minutes: number): string {', "  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;", '}', ''].join('\n'),
  'report.ts': [
    "import { daysBetween } from './dates';",
    "import { formatDuration } from './format';",
    '',
    'export function dayReport(start: number, end: number, busy: number): string {',
    '  const days = daysBetween(start, end);',
    '  return `${formatDuration(busy)} busy over ${days} days`;',
    '}',
    '',
  ].join('\n'),
};

async function chatPrompts(): Promise<string[]> {
  const res = await fetch(`${fakeOllamaUrl()}/__fake/requests`);
  const all = (await res.json()) as Recorded[];
  return all
    .filter((r) => r.path === '/api/chat')
    .map((r) => JSON.parse(r.rawBody) as { messages: { content: string }[] })
    .map((body) => body.messages.map((m) => m.content).join('\n'));
}

suite('Tiered in VS Code: Explain context while the language server starts', () => {
  let dir: string;

  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await activateTiered();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    dir = path.join(folder.uri.fsPath, 'explainContextSample');
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), text);
    }
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Explain right after opening: helper bodies or a Context note naming them, never an import labelled a definition', async () => {
    await fetch(`${fakeOllamaUrl()}/__fake/reset`, { method: 'POST' });
    await fetch(`${fakeOllamaUrl()}/__fake/script`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { path: '/api/chat', promptIncludes: 'expert programmer explaining code' }, text: 'It reports a day.', times: 1 }),
    });
    // Opened and explained at once: the TypeScript server has not loaded these new files yet.
    const doc = await vscode.workspace.openTextDocument(path.join(dir, 'report.ts'));
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    editor.selection = new vscode.Selection(3, 0, 6, 1);
    const result = await vscode.commands.executeCommand<ExplainResult>('tiered.explainSelection');
    assert.ok(result, 'an explain result');
    assert.equal(result.status, 'ok');
    const prompt = (await chatPrompts()).find((p) => p.includes('expert programmer explaining code'));
    assert.ok(prompt, 'the explain prompt reached the server');

    // No "definition" block is an import line.
    for (const m of prompt.matchAll(/Related code: definition of (\w+) \(([^)]*)\)\n`{3,}\w*\n([^\n]*)/g)) {
      assert.ok(!/^\s*import\b/.test(m[3] ?? ''), `an import labelled the definition of ${m[1]} (${m[2]}): ${m[3]}`);
    }
    // Each helper is either there with its body (and doc comment), or named as missing in the Context note.
    const notes = result.notes.join('\n');
    for (const [name, file, body] of [
      ['daysBetween', 'dates.ts', 'Math.floor((to - from) / 1440)'],
      ['formatDuration', 'format.ts', 'padStart(2'],
    ] as const) {
      const found = prompt.includes(`Related code: definition of ${name} (explainContextSample/${file}:1)`) && prompt.includes(body);
      const named = /^Context: no definition was found for /m.test(notes) && notes.includes(`\`${name}\``);
      assert.ok(found || named, `${name}: neither its definition nor a note (notes: ${notes})`);
    }
    assert.ok(prompt.includes('Whole days between two instants') || notes.includes('`daysBetween`'), 'the definition comes with its doc comment');
  });
});
