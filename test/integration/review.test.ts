/** Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateTiered, eventually, fakeOllamaUrl, setSetting, tieredLogText } from './helpers';

interface Recorded {
  readonly path: string;
  readonly rawBody: string;
}

interface ReviewReport {
  readonly outcome: string;
  readonly findings: number;
  readonly dropped: number;
  readonly relocated: number;
  readonly attempts: number;
  readonly summary: string;
  readonly tier: string;
}

interface ExplainResult {
  readonly text: string;
  readonly chunks: number;
  readonly status: string;
  readonly tier: string;
  readonly reasons: readonly string[];
}

async function script(rules: unknown): Promise<void> {
  const res = await fetch(`${fakeOllamaUrl()}/__fake/script`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rules) });
  assert.ok(res.ok, `scripting the fake: ${res.status}`);
}

async function chatRequests(): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${fakeOllamaUrl()}/__fake/requests`);
  const all = (await res.json()) as Recorded[];
  return all.filter((r) => r.path === '/api/chat').map((r) => JSON.parse(r.rawBody) as Record<string, unknown>);
}

function reviewDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Tiered review');
}

const sample = [
  'export function total(items: { price: number }[]): number {', // line 1
  '  let sum = 0;', // 2
  '  for (let i = 0; i <= items.length; i++) {', // 3
  '    sum += items[i].price;', // 4
  '  }', // 5
  '  if (sum == 0) {', // 6
  '    return -1;', // 7
  '  }', // 8
  '  return sum;', // 9
  '}', // 10
  '',
].join('\n');

// Two grounded findings (one cited at the wrong line, so relocated) and one about code that does not exist.
const findingsAnswer = JSON.stringify({
  summary: 'An off-by-one and a loose comparison.',
  findings: [
    { severity: 'high', category: 'bug', startLine: 3, endLine: 3, quote: 'i <= items.length', explanation: 'Reads one past the end of the array.', replacement: 'i < items.length' },
    { severity: 'low', category: 'style', startLine: 2, endLine: 2, quote: 'if (sum == 0) {', explanation: 'Use strict equality.', replacement: 'if (sum === 0) {' },
    { severity: 'medium', category: 'performance', startLine: 5, endLine: 5, quote: 'items.forEach(async (x) => await save(x));', explanation: 'Invented code.', replacement: '' },
  ],
});

suite('Tiered in VS Code: Explain and Review selection', () => {
  let file: string;
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await activateTiered();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    file = path.join(folder.uri.fsPath, 'reviewSample.ts');
    fs.writeFileSync(file, sample);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file, { force: true });
  });

  setup(async () => {
    await fetch(`${fakeOllamaUrl()}/__fake/reset`, { method: 'POST' });
    const doc = await vscode.workspace.openTextDocument(file);
    editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    // Back to the sample text (an earlier test may have applied a fix).
    if (doc.getText() !== sample) {
      await editor.edit((b) => b.replace(new vscode.Range(0, 0, doc.lineCount, 0), sample));
    }
    await vscode.commands.executeCommand('tiered.clearReviewFindings');
  });

  test('the commands are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tiered.explainSelection', 'tiered.reviewSelection', 'tiered.askAboutSelection', 'tiered.clearReviewFindings']) {
      assert.ok(commands.includes(id), `command ${id} is registered`);
    }
  });

  test('Review Selection: grounded findings become diagnostics, the invented one is dropped and counted', async () => {
    await script({ match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' }, text: findingsAnswer, times: 1 });
    editor.selection = new vscode.Selection(0, 0, 9, 1);
    const report = await vscode.commands.executeCommand<ReviewReport>('tiered.reviewSelection');
    assert.ok(report, `a report; log:\n${(tieredLogText() ?? '').slice(-2000)}`);
    assert.equal(report.outcome, 'review', report.summary);
    assert.equal(report.findings, 2);
    assert.equal(report.dropped, 1);
    assert.equal(report.relocated, 1);
    assert.match(report.summary, /2 findings.*1 finding was dropped/);

    const diags = reviewDiagnostics(editor.document.uri).sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(diags.length, 2, JSON.stringify(diags.map((d) => d.message)));
    assert.deepEqual([diags[0]!.range.start.line, diags[0]!.range.start.character, diags[0]!.range.end.character], [2, 18, 35]);
    assert.equal(editor.document.getText(diags[0]!.range), 'i <= items.length');
    assert.equal(diags[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[1]!.range.start.line, 5, 'the relocated finding sits on the line its quote is on');
    assert.match(diags[1]!.message, /the model cited line 2/);
    assert.ok(!diags.some((d) => /Invented/.test(d.message)), 'the invented finding is not shown');

    // The request asked for structured output with the findings schema, and the prompt carries the gutter.
    const chats = await chatRequests();
    const body = chats.at(-1);
    const format = body?.format as { properties?: { findings?: unknown } } | undefined;
    assert.ok(format?.properties?.findings, `format sent: ${JSON.stringify(body?.format)}`);
    const messages = body?.messages as { content: string }[];
    assert.match(messages[0]!.content, / 3 \| {3}for \(let i = 0; i <= items\.length; i\+\+\) \{/);
  });

  test('the quick fix applies the replacement as an undoable edit and the finding goes away', async () => {
    await script({ match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' }, text: findingsAnswer, times: 1 });
    editor.selection = new vscode.Selection(0, 0, 9, 1);
    await vscode.commands.executeCommand('tiered.reviewSelection');
    const diag = reviewDiagnostics(editor.document.uri).find((d) => d.range.start.line === 2);
    assert.ok(diag, 'the off-by-one diagnostic');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    const apply = actions.find((a) => /apply suggested fix/.test(a.title));
    assert.ok(apply?.edit, `an apply action among ${JSON.stringify(titles)}`);
    assert.ok(titles.some((t) => /ask about this finding/.test(t)) && titles.some((t) => /dismiss this finding/.test(t)), JSON.stringify(titles));
    assert.equal(await vscode.workspace.applyEdit(apply.edit), true);
    assert.equal(editor.document.lineAt(2).text, '  for (let i = 0; i < items.length; i++) {');
    const gone = await eventually(() => reviewDiagnostics(editor.document.uri).every((d) => d.range.start.line !== 2));
    assert.ok(gone, 'the fixed finding is cleared (its lines changed)');
    assert.equal(reviewDiagnostics(editor.document.uri).length, 1, 'the other finding stays');
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.lineAt(2).text, '  for (let i = 0; i <= items.length; i++) {', 'undo restores the code');
  });

  test('a malformed answer is repaired once; Clear Review Findings empties the Problems entries', async () => {
    await script([
      { match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' }, text: '{"summary": "x", "findings": [{"severity": "apocalyptic"}]}', times: 1 },
      { match: { path: '/api/chat', promptIncludes: 'could not be used' }, text: findingsAnswer, times: 1 },
    ]);
    editor.selection = new vscode.Selection(0, 0, 9, 1);
    const report = await vscode.commands.executeCommand<ReviewReport>('tiered.reviewSelection');
    assert.equal(report.outcome, 'review', report.summary);
    assert.equal(report.attempts, 2);
    assert.equal(reviewDiagnostics(editor.document.uri).length, 2);
    const repair = (await chatRequests()).at(-1)?.messages as { content: string }[];
    assert.match(repair.at(-1)!.content, /findings\[0\]\.severity/);
    await vscode.commands.executeCommand('tiered.clearReviewFindings');
    assert.equal(reviewDiagnostics(editor.document.uri).length, 0);
  });

  test('an empty review says so plainly and adds no diagnostics', async () => {
    await script({ match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' }, text: '{"summary": "Looks fine.", "findings": []}', times: 1 });
    editor.selection = new vscode.Selection(1, 0, 1, 14);
    const report = await vscode.commands.executeCommand<ReviewReport>('tiered.reviewSelection');
    assert.equal(report.outcome, 'review');
    assert.match(report.summary, /^No findings: the model found nothing to report in reviewSample\.ts line 2\./);
    assert.equal(reviewDiagnostics(editor.document.uri).length, 0);
  });

  test('Explain Selection streams the answer into the chat, routed with reasons', async () => {
    const answer = 'The function `total` adds up the price of every item, but its loop reads one element past the end.';
    await script({ match: { path: '/api/chat', promptIncludes: 'expert programmer explaining code' }, text: answer, times: 1 });
    editor.selection = new vscode.Selection(0, 0, 9, 1);
    const result = await vscode.commands.executeCommand<ExplainResult>('tiered.explainSelection');
    assert.ok(result, 'an explain result');
    assert.equal(result.status, 'ok');
    assert.equal(result.text, answer);
    assert.ok(result.chunks > 1, `streamed in ${result.chunks} chunks`);
    assert.ok(result.reasons.length > 0, 'routing reasons are given');
    // The answer is a turn in the chat view (the UI test reads it there), not a document beside the code.
    assert.equal(
      vscode.workspace.textDocuments.some((d) => d.languageId === 'markdown' && d.getText().includes(answer)),
      false,
      'the answer went to the chat, not to a Markdown document',
    );
  });

  test('without a selection, Explain uses the enclosing function (or says what it used)', async () => {
    await script({ match: { path: '/api/chat', promptIncludes: 'expert programmer explaining code' }, text: 'It sums prices.', times: 1 });
    editor.selection = new vscode.Selection(3, 6, 3, 6);
    await vscode.commands.executeCommand<ExplainResult>('tiered.explainSelection');
    const prompt = ((await chatRequests()).at(-1)?.messages as { content: string }[])[0]!.content;
    // With a TypeScript symbol provider: the function `total`; without one (no language server): the whole (small) file.
    assert.match(prompt, /Selected code: reviewSample\.ts \(lines 1-1[01]\)/);
    assert.match(prompt, /export function total/);
  });

  test('edits above a finding move it; Dismiss removes it; findings work in an untitled document', async () => {
    await script({ match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' }, text: findingsAnswer, times: 2 });
    editor.selection = new vscode.Selection(0, 0, 9, 1);
    await vscode.commands.executeCommand('tiered.reviewSelection');
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// header\n'));
    const moved = await eventually(() => {
      const lines = reviewDiagnostics(editor.document.uri).map((d) => d.range.start.line).sort();
      return lines.length === 2 && lines[0] === 3 && lines[1] === 6 ? lines : undefined;
    });
    assert.ok(moved, `moved one line down: ${JSON.stringify(reviewDiagnostics(editor.document.uri).map((d) => d.range.start.line))}`);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, reviewDiagnostics(editor.document.uri)[0]!.range, vscode.CodeActionKind.QuickFix.value);
    const dismiss = actions.find((a) => /dismiss this finding/.test(a.title));
    assert.ok(dismiss?.command, 'a dismiss action');
    await vscode.commands.executeCommand(dismiss.command.command, ...(dismiss.command.arguments ?? []));
    assert.equal(reviewDiagnostics(editor.document.uri).length, 1);

    const untitled = await vscode.workspace.openTextDocument({ language: 'typescript', content: sample });
    const ed = await vscode.window.showTextDocument(untitled);
    ed.selection = new vscode.Selection(0, 0, 9, 1);
    const report = await vscode.commands.executeCommand<ReviewReport>('tiered.reviewSelection');
    assert.equal(report.findings, 2, report.summary);
    assert.equal(reviewDiagnostics(untitled.uri).length, 2);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Ask with a question: the question ends the prompt, after the selection', async () => {
    await script({ match: { path: '/api/chat', promptIncludes: 'Why does the loop use <=?' }, text: 'Because it is a bug.', times: 1 });
    editor.selection = new vscode.Selection(2, 0, 4, 3);
    const result = await vscode.commands.executeCommand<ExplainResult>('tiered.askAboutSelection', 'Why does the loop use <=?');
    assert.equal(result.text, 'Because it is a bug.');
    const prompt = ((await chatRequests()).at(-1)?.messages as { content: string }[])[0]!.content;
    assert.ok(prompt.endsWith('Why does the loop use <=?'), prompt.slice(-200));
    assert.ok(prompt.indexOf('sum += items[i].price;') < prompt.indexOf('Why does the loop use <=?'));
  });

  test('Ask without a question opens the chat with the enclosing function selected (attached as the chat context)', async () => {
    // The chat view is Tiered's own: if its focus command is missing, that is a failure, not a reason to skip.
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('tiered.chat.focus'), 'the Tiered chat view is registered (tiered.chat.focus)');
    editor.selection = new vscode.Selection(3, 6, 3, 6);
    const before = (await chatRequests()).length;
    const result = await vscode.commands.executeCommand<ExplainResult | undefined>('tiered.askAboutSelection');
    assert.equal(result, undefined, 'no answer is generated here: the user asks in the chat');
    assert.equal((await chatRequests()).length, before, 'no model request yet');
    assert.ok(!editor.selection.isEmpty, 'the code is selected so the chat attaches it');
    assert.equal(editor.selection.start.line, 0);
    assert.ok(editor.selection.end.line >= 9, `selection ends on line ${editor.selection.end.line}`);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  });

  test('the keybindings do not clash with VS Code defaults', async () => {
    await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
    const doc = await eventually(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme !== 'file' && /keybindings\.json$/.test(d.uri.path)));
    assert.ok(doc, 'the default keybindings document opened');
    const text = doc.getText();
    // Bindings active only outside the text editor cannot fire while ours can (`editorTextFocus`).
    const exclusiveOfEditor = /!editorFocus|!editorTextFocus|(?<!!)\bterminalFocus\b|(?<!!)\bterminalEditorFocus\b/;
    const ours = new Map([
      ['ctrl+alt+e', 'tiered.explainSelection'],
      ['ctrl+alt+r', 'tiered.reviewSelection'],
    ]);
    for (const [key, command] of ours) {
      const others = [...text.matchAll(new RegExp(`"key":\\s*"${key.replace(/\+/g, '\\+')}",\\s*"command":\\s*"([^"]+)"([^}]*)`, 'g'))]
        .filter((m) => m[1] !== command && !exclusiveOfEditor.test(m[2] ?? ''))
        .map((m) => m[1]);
      assert.deepEqual(others, [], `${key} is also bound to ${others.join(', ')} (when the editor has focus)`);
      assert.ok(text.includes(`"command": "${command}"`), `${command} is in the keybindings`);
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a notebook cell can be reviewed; the prompt names the notebook and cell', async function () {
    let notebook: vscode.NotebookDocument;
    try {
      notebook = await vscode.workspace.openNotebookDocument(
        'jupyter-notebook',
        new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'def add(a, b):\n    return a - b\n', 'python')]),
      );
    } catch {
      // VS Code's own Jupyter notebook support (the built-in ipynb extension) is absent: an external tool, not ours.
      this.skip();
    }
    await vscode.window.showNotebookDocument(notebook);
    const cell = notebook.cellAt(0).document;
    const cellEditor = await eventually(() => vscode.window.visibleTextEditors.find((e) => e.document === cell));
    assert.ok(cellEditor, 'the notebook shows its cell in an editor');
    await vscode.commands.executeCommand('notebook.cell.edit');
    const active = await eventually(() => (vscode.window.activeTextEditor?.document === cell ? vscode.window.activeTextEditor : undefined));
    assert.ok(active, 'the cell editor is active after notebook.cell.edit');
    active.selection = new vscode.Selection(0, 0, 1, 16);
    await script({
      match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' },
      text: JSON.stringify({ summary: 'Wrong operator.', findings: [{ severity: 'high', category: 'bug', startLine: 2, endLine: 2, quote: 'return a - b', explanation: 'Subtracts instead of adding.', replacement: 'return a + b' }] }),
      times: 1,
    });
    const report = await vscode.commands.executeCommand<ReviewReport>('tiered.reviewSelection');
    assert.equal(report.findings, 1, report.summary);
    assert.equal(reviewDiagnostics(cell.uri).length, 1);
    const prompt = ((await chatRequests()).at(-1)?.messages as { content: string }[])[0]!.content;
    assert.match(prompt, /\(cell 1\)/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a binary-looking document is refused with a reason', async () => {
    const doc = await vscode.workspace.openTextDocument({ content: 'PK\u0003\u0004\u0000\u0000binary' });
    await vscode.window.showTextDocument(doc);
    const before = (await chatRequests()).length;
    const result = await vscode.commands.executeCommand<ExplainResult | undefined>('tiered.explainSelection');
    assert.equal(result, undefined);
    assert.equal((await chatRequests()).length, before, 'no model request was made');
  });
});
