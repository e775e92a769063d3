/** The saved prompt library in a real VS Code (code-server + chromium), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sampleWorkspace } from '../harness/paths';
import { until } from '../../support/wait';
import { useVscode } from '../harness/session';
import type { Page } from 'playwright-core';

const brokenPrompt = '---\nname: Broken\ntier: gigantic\n---\nbody\n';

/**
 * sample-workspace plus a malformed prompt file in .tiered/prompts under the old name (`broken.prompt.md`, which
 * Tiered renames to `broken.tiered.md`), and the same text as a `.prompt.md` file of VS Code's own (the control).
 */
function workspaceWithBrokenPrompt(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-prompts-template-'));
  fs.cpSync(sampleWorkspace, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.tiered', 'prompts'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.tiered', 'prompts', 'broken.prompt.md'), brokenPrompt);
  fs.mkdirSync(path.join(dir, '.github', 'prompts'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.github', 'prompts', 'control.prompt.md'), brokenPrompt);
  return dir;
}

/** The Problems panel's count for a file (its resource row: "N problems in file NAME of folder …"), all sources. */
async function problemsInFile(page: Page, fileName: string): Promise<number | undefined> {
  const labels = await page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  const label = labels.find((l) => l.includes(` in file ${fileName} `));
  const n = label === undefined ? undefined : /(\d+)/.exec(label)?.[1];
  return n === undefined ? undefined : Number(n);
}

suite('Saved prompts in VS Code (UI)', () => {
  const template = workspaceWithBrokenPrompt();
  const vs = useVscode({ mode: 'development', workspaceTemplate: template, settings: { 'tiered.tiers.moe.model': 'qwen3:30b-a3b' } });

  suiteTeardown(() => fs.rmSync(template, { recursive: true, force: true }));

  test('an old *.prompt.md file is renamed to *.tiered.md; when broken, Problems shows only Tiered\'s own findings for it', async () => {
    const { wb, workspace } = vs();
    await wb.openViewContainer('Tiered');
    await wb.viewPane('Prompts').waitFor();
    await wb.waitForTreeItem('Prompts', 'Explain');
    const row = await wb.waitForTreeItem('Prompts', /broken/);
    assert.match(await row.innerText(), /error: front matter: tier/);
    assert.equal(await row.locator('.codicon-error').count(), 1, 'the row has an error icon');
    const dir = path.join(workspace, '.tiered', 'prompts');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['broken.tiered.md'], 'the old file moved to the new name');
    assert.equal(fs.readFileSync(path.join(dir, 'broken.tiered.md'), 'utf8'), brokenPrompt, 'with its content untouched');
    // Said once (the toast may have timed out by now: look in the notification center).
    await wb.runCommand('Notifications: Show Notifications');
    await wb.page.locator('.notifications-center .notification-list-item-message', { hasText: /renamed from \*\.prompt\.md to \*\.tiered\.md/ }).first().waitFor();
    await wb.runCommand('Notifications: Hide Notifications');

    // Both files open in editors: VS Code checks the .prompt.md one with its own rules (the control), not ours.
    await wb.openFile('.github/prompts/control.prompt.md');
    await wb.openFile('.tiered/prompts/broken.tiered.md');
    await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const problems = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'must be one of' }).first();
    await problems.waitFor();
    assert.match(await problems.innerText(), /Ln 3/);
    assert.match(await problems.innerText(), /Tiered prompts/);
    let control: number | undefined;
    for (const end = Date.now() + 60_000; control === undefined && Date.now() < end; ) {
      control = await problemsInFile(wb.page, 'control.prompt.md');
      await wb.page.waitForTimeout(250);
    }
    assert.ok(control !== undefined && control > 0, 'VS Code reports its own problems for a broken .prompt.md (the control)');
    // Tiered finds exactly one problem in this file (the tier); nothing else may be listed for it.
    assert.equal(await problemsInFile(wb.page, 'broken.tiered.md'), 1, 'only Tiered\'s finding for the .tiered.md file');
    await wb.screenshot('ui-prompts-malformed');
  });

  test('create a prompt from the view, edit it, run it on a selection, delete it into the trash', async () => {
    const { wb, fake, workspace, server } = vs();
    const page = wb.page;
    // The container is already open from the first test; clicking its activity-bar item again would close it.
    await wb.openView('Prompts');
    await wb.viewPane('Prompts').waitFor();
    // New: the view's title button, then where, then the name.
    await wb.viewPane('Prompts').hover();
    await wb.viewPane('Prompts').locator('.actions .action-label[aria-label^="New Prompt"]').first().click();
    const quick = page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'Workspace' }).first().click();
    await quick.locator('input').fill('UI Prompt');
    await page.keyboard.press('Enter');
    const file = path.join(workspace, '.tiered', 'prompts', 'ui-prompt.tiered.md');
    assert.ok(await until(() => (fs.existsSync(file) ? true : undefined)), 'the prompt file was created in .tiered/prompts');
    await page.locator('.tabs-container .tab.active', { hasText: 'ui-prompt.tiered.md' }).waitFor();
    await wb.waitForTreeItem('Prompts', 'UI Prompt');

    // Edit: replace the text in the editor and save.
    await wb.selectAll();
    await wb.insertText('---\nname: UI Prompt\ntier: moe\n---\nSummarise this ${language} code from ${fileBasename} in one line.\n');
    await wb.press('Control+S');
    assert.ok(await until(() => (/tier: moe/.test(fs.readFileSync(file, 'utf8')) ? true : undefined)), 'the edit was saved');
    await wb.waitForTreeItem('Prompts', /UI Prompt.*moe tier/);

    // Run on a selection through "Run Saved Prompt…".
    await wb.openFile('src/cart.ts');
    await wb.selectAll();
    const before = fake.requests.length;
    await wb.runCommand('Tiered: Run Saved Prompt…');
    await quick.locator('input').fill('UI Prompt');
    await quick.locator('.monaco-list-row', { hasText: 'UI Prompt' }).first().click();
    const chat = await until(() => fake.requests.slice(before).find((r) => r.path === '/api/chat'), 60_000);
    assert.ok(chat, 'a chat request reached the fake server');
    assert.equal(chat.model, 'qwen3:30b-a3b', 'the moe tier hint is honoured');
    const sent = JSON.stringify(chat.body);
    assert.match(sent, /Summarise this typescript code from cart\.ts in one line\./);
    const cart = fs.readFileSync(path.join(workspace, 'src', 'cart.ts'), 'utf8');
    const firstLine = cart.split('\n').find((l) => l.trim().length > 10) ?? '';
    assert.ok(sent.includes(JSON.stringify(firstLine).slice(1, -1)), 'the selected code is sent after the instructions');
    await wb.screenshot('ui-prompts-run');

    // Delete from the palette, confirm the modal, and find the file in the trash.
    await wb.runCommand('Tiered: Delete Prompt (to Trash)');
    await quick.locator('input').fill('UI Prompt');
    await quick.locator('.monaco-list-row', { hasText: 'UI Prompt' }).first().click();
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Move to Trash' }).first().click();
    assert.ok(await until(() => (fs.existsSync(file) ? undefined : true)), 'the prompt file left the workspace');
    const trashDir = path.join(server.userDataDir, 'User', 'globalStorage', 'tiered.tiered', 'prompt-trash');
    const trashed = await until(() => (fs.existsSync(trashDir) ? fs.readdirSync(trashDir).find((f) => f.endsWith('ui-prompt.tiered.md')) : undefined));
    assert.ok(trashed, `the prompt is in the trash (${trashDir})`);
    assert.match(fs.readFileSync(path.join(trashDir, trashed), 'utf8'), /tier: moe/);
  });
});
