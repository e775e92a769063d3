/**
 * Sensitive files as a user meets them, in the real VS Code with the packaged extension and the fake Ollama server
 * (a TEST DOUBLE that records every request): a `.env` open in the editor gets no completion request (a normal file
 * does) and "Why No Completion?" names the rule; the chat never attaches it by itself and says so; the `@` picker
 * marks it and asks first (Cancel attaches nothing, "Attach Anyway" attaches it for that one message); Explain on it
 * asks first too. The `.env` is written into this suite's scratch workspace only.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useVscode } from '../harness/session';
import { pickFileWithAt as pickWithAt, sendChatMessage as send, until, whyNoCompletionReport as whyReport } from '../harness/tieredUi';
import type { Workbench } from '../harness/workbench';

/** A value that must never reach the server unless the user attached the file and confirmed. */
const secret = 'sk-live-SENTINEL-4711';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

/** The modal dialog's text, after it appears. */
async function dialogText(wb: Workbench): Promise<string> {
  const dialog = wb.page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 });
  return dialog.innerText();
}

async function clickDialogButton(wb: Workbench, label: string): Promise<void> {
  await wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: label }).first().click();
  await wb.page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 30_000 });
}

suite('Sensitive files (UI)', () => {
  const vs = useVscode({
    mode: 'packaged',
    settings: tiers,
    prepareWorkspace: (workspace) => fs.writeFileSync(path.join(workspace, '.env'), `API_KEY=${secret}\nDB_PASSWORD=hunter2\n`),
  });
  const leaked = (): string[] => vs().fake.requests.filter((r) => r.rawBody.includes(secret) || r.rawBody.includes('hunter2')).map((r) => r.path);
  const generateCount = (): number => vs().fake.requests.filter((r) => r.path === '/api/generate').length;

  test('a .env open in the editor gets no completion request, a normal file does, and Why No Completion? names the rule', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 'return a + b' });
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('.env');
    await wb.goToEnd();
    await wb.type('SECRET_TOKEN=');
    // The manual trigger (Alt+\) makes sure the provider is asked, whatever VS Code decides about automatic ones.
    await wb.press('Alt+\\');
    // The report is read until the attempt shows (the provider call may land a moment after the keystroke).
    let report = '';
    let explained = false;
    for (let i = 0; !explained && i < 15; i++) {
      report = (await whyReport(wb)).replace(/\n/g, ' ');
      explained = /`\.env` is excluded/.test(report);
      if (!explained) {
        await wb.runCommand('View: Close Editor');
        await wb.page.locator('.tabs-container .tab.active', { hasText: '.env' }).waitFor({ timeout: 30_000 });
        await wb.press('Alt+\\');
        await wb.page.waitForTimeout(1000);
      }
    }
    assert.ok(explained, `Why No Completion? names the exclusion; it said: ${report}`);
    assert.match(report, /\.env \([^)]*\) — skipped: No completion request is sent from this file: `\.env` is excluded by the built-in exclusion `\.env` \(environment files often hold secrets\)/);
    assert.equal(generateCount(), 0, 'no completion request at all while in the .env');
    assert.deepEqual(leaked(), [], 'nothing from the .env reached the server');

    // The same window, a normal file: the request is sent (so the silence above was the exclusion, not a dead provider).
    await wb.runCommand('View: Close Editor');
    await wb.openFile('scripts/report.py');
    await wb.typeNewLine('def add_numbers(a: float, b: float) -> float:');
    await wb.press('Enter');
    await wb.press('Alt+\\');
    assert.ok(await until(wb, () => generateCount() > 0), 'a normal file gets a completion request');
    const sent = fake.requests.filter((r) => r.path === '/api/generate').at(-1);
    assert.match(sent?.rawBody ?? '', /add_numbers/, 'the request is about the normal file');
    assert.deepEqual(leaked(), [], 'still nothing from the .env');
  });

  test('chat: the open .env is never attached by itself and the chat says so; @ marks it and asks first: Cancel attaches nothing, Attach Anyway attaches it', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat' }, text: 'Noted.' });
    await wb.openFile('.env');
    const frame = await wb.chatFrame();
    assert.equal(await frame.locator('.chip', { hasText: '.env' }).count(), 0, 'no chip offers the .env');
    await send(frame, 'What is configured here? (SF-AUTO)');
    assert.ok(await until(wb, () => fake.requests.some((r) => r.path === '/api/chat' && r.rawBody.includes('SF-AUTO'))), 'the question reached the server');
    assert.deepEqual(leaked(), [], 'the open .env was not sent with the question');
    const notice = frame.locator('.notice');
    await notice.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await notice.innerText(), /Not attached: `?\.env`? \(the built-in exclusion/, 'the chat says what it left out');
    await frame.locator('article.message.assistant.status-complete').last().waitFor({ timeout: 60_000 });

    // @ → the .env row is marked as sensitive; choosing it asks, and Cancel attaches nothing.
    const row = await pickWithAt(wb, frame, '.env');
    assert.match(row, /Sensitive: excluded by the built-in exclusion/, `the picker marks it: ${row}`);
    const question = await dialogText(wb);
    assert.match(question, /“\.env” is a sensitive file: it is excluded by the built-in exclusion “\.env” \(environment files often hold secrets\)\. Tiered does not send it to a model unless you say so\. Attach it to the chat anyway\?/);
    await clickDialogButton(wb, 'Cancel');
    await wb.page.waitForTimeout(1500);
    assert.equal(await frame.locator('.chip', { hasText: '.env' }).count(), 0, 'Cancel attached nothing');

    // Asked again, the user says yes: the file is a chip and goes with that one message.
    await pickWithAt(wb, frame, '.env');
    await dialogText(wb);
    await clickDialogButton(wb, 'Attach Anyway');
    await frame.locator('.chip', { hasText: '.env' }).first().waitFor({ timeout: 30_000 });
    await send(frame, 'Check my settings file. (SF-CONFIRMED)');
    assert.ok(await until(wb, () => fake.requests.some((r) => r.path === '/api/chat' && r.rawBody.includes('SF-CONFIRMED'))), 'the question reached the server');
    const confirmed = fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes('SF-CONFIRMED')).at(-1);
    assert.ok(confirmed?.rawBody.includes(secret), 'the file the user confirmed went with that message');
    await frame.locator('article.message.assistant.status-complete').last().waitFor({ timeout: 60_000 });
  });

  test('Explain on the .env asks first; Cancel sends nothing', async () => {
    const { wb, fake } = vs();
    await wb.openFile('.env');
    await wb.selectAll();
    const before = fake.requests.filter((r) => r.path === '/api/chat').length;
    await wb.runCommand('Tiered: Explain Selection');
    assert.match(await dialogText(wb), /“\.env” is a sensitive file: .* Send this code to the model to explain it anyway\?/);
    await clickDialogButton(wb, 'Cancel');
    await wb.page.waitForTimeout(2000);
    assert.equal(fake.requests.filter((r) => r.path === '/api/chat').length, before, 'no request after Cancel');
  });
});
