/**
 * The chat's rough edges of issue 16, met as a user meets them in the real VS Code with the packaged extension
 * and the fake Ollama server (a TEST DOUBLE): the server state before typing (no server), a link in an answer
 * that asks before opening, a conversation named after its first message when the model picker changed first,
 * and, after a crash that lost an answer's last record and tore the journal, an interrupted answer with
 * Regenerate and a damaged-history notice that wraps in the side bar.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { freePort } from '../../support/net';
import { useVscode } from '../harness/session';
import type { Workbench } from '../harness/workbench';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

async function send(frame: FrameLocator, text: string): Promise<void> {
  const input = frame.locator('textarea');
  await input.click();
  await input.fill(text);
  await input.press('Enter');
}

/** Every chat journal under a folder, newest first. */
function journals(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.jsonl') && path.basename(dir) === 'conversations') {
        found.push(full);
      }
    }
  };
  walk(folder);
  return found.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
}

async function reloadWindow(wb: Workbench): Promise<FrameLocator> {
  await wb.page.reload();
  await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return wb.chatFrame();
}

// Chosen at load: nothing listens there.
let deadPort = 0;
const portReady = freePort().then((p) => (deadPort = p));

suite('Chat with no server running (UI)', () => {
  suiteSetup(async () => {
    await portReady;
  });
  const vs = useVscode({ mode: 'packaged', settings: { ...tiers, get 'tiered.ollama.baseUrl'() { return `http://127.0.0.1:${deadPort}`; } } });

  test('the chat shows the server state and its actions before anything is typed, in plain text', async () => {
    const { wb } = vs();
    const frame = await wb.chatFrame();
    const banner = frame.locator('.server-banner');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    const text = await banner.innerText();
    assert.match(text, /Cannot reach the model server/);
    assert.ok(!text.includes('`'), `no literal Markdown backticks: ${text}`);
    await banner.locator('button', { hasText: 'Start the server' }).waitFor({ timeout: 10_000 });
    await banner.locator('button', { hasText: 'Check connection' }).waitFor({ timeout: 10_000 });
    assert.equal(await frame.locator('article.message').count(), 0, 'nothing was sent');
    // The welcome view says it in plain text as well.
    await wb.openViewContainer('Tiered');
    const models = wb.viewPane('Models');
    await models.getByText(/No model server answered/).waitFor({ timeout: 60_000 });
    const welcome = await models.innerText();
    assert.match(welcome, /ollama serve/);
    assert.ok(!welcome.includes('`'), `no literal Markdown backticks in the welcome view: ${welcome}`);
    await wb.screenshot('ui-chat-server-state-before-typing');
  });
});

suite('Chat rough edges (UI)', () => {
  const vs = useVscode({ mode: 'packaged', settings: tiers });

  test('a link in an answer opens nothing until the user says so: VS Code asks, showing the whole address', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'LINK-Q' }, times: 1, text: 'Read [the guide](https://example.invalid/tiered-guide?from=answer) first.' });
    const frame = await wb.chatFrame();
    await send(frame, 'Where is the guide? (LINK-Q)');
    const link = frame.locator('article.message.assistant.status-complete a', { hasText: 'the guide' }).first();
    await link.waitFor({ timeout: 60_000 });
    const pagesBefore = wb.page.context().pages().length;
    await link.click();
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const asked = await dialog.innerText();
    assert.match(asked, /Open a link from a model answer\?/);
    assert.match(asked, /https:\/\/example\.invalid\/tiered-guide\?from=answer/);
    await wb.screenshot('ui-chat-link-asks');
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await wb.page.waitForTimeout(1000);
    assert.equal(wb.page.context().pages().length, pagesBefore, 'no browser tab was opened');
  });

  test('with the model picker changed before the first message, the conversation is named after that message', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'TITLE-Q' }, times: 1, text: 'Titled.' });
    const frame = await wb.chatFrame();
    await frame.locator('button[title="New conversation"]').click();
    const picker = frame.locator('select.picker');
    await picker.selectOption({ label: 'Tier code (qwen2.5-coder:7b)' });
    await frame.locator('select.picker option:checked', { hasText: 'Tier code' }).waitFor({ state: 'attached', timeout: 30_000 });
    await send(frame, 'How do I read a file line by line? TITLE-Q');
    await frame.locator('article.message.assistant.status-complete', { hasText: 'Titled.' }).first().waitFor({ timeout: 60_000 });
    await frame.locator('.conversation-select option:checked', { hasText: 'TITLE-Q' }).waitFor({ state: 'attached', timeout: 30_000 });
    const titles = await frame.locator('.conversation-select option').allInnerTexts();
    assert.ok(!titles.includes('New conversation'), titles.join(' | '));
  });

  test("after a crash that lost an answer's last record and tore the journal: the answer is interrupted with Regenerate, and the notice wraps", async () => {
    const { wb, fake, server } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'CRASH-Q' }, times: 1, text: 'An answer that will lose its end.' });
    let frame = await wb.chatFrame();
    await frame.locator('button[title="New conversation"]').click();
    await send(frame, 'Tell me something (CRASH-Q)');
    await frame.locator('article.message.assistant.status-complete', { hasText: 'lose its end' }).first().waitFor({ timeout: 60_000 });
    await wb.page.waitForTimeout(500);
    // The crash: the record that closed the answer never reached the disk, and a record was cut mid-write.
    const journal = journals(server.userDataDir).find((f) => fs.readFileSync(f, 'utf8').includes('CRASH-Q'));
    assert.ok(journal, 'the conversation has a journal');
    const lines = fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '');
    let closing = -1;
    lines.forEach((l, i) => {
      if (l.includes('"complete"') && !l.includes('CRASH-Q')) {
        closing = i;
      }
    });
    assert.ok(closing > 0, 'the closing record is found');
    fs.writeFileSync(journal, `${lines.slice(0, closing).join('\n')}\n{"k":"ab12`);

    frame = await reloadWindow(wb);
    await frame.locator('.conversation-select option:checked', { hasText: 'CRASH-Q' }).waitFor({ state: 'attached', timeout: 60_000 });
    const answer = frame.locator('article.message.assistant').last();
    await answer.locator('.error-text', { hasText: /^Interrupted/ }).waitFor({ timeout: 60_000 });
    assert.ok(!((await answer.getAttribute('class')) ?? '').includes('status-streaming'), 'not streaming');
    assert.equal(await frame.locator('button[title="Stop the answer (Esc)"]').isVisible(), false, 'no Stop: nothing streams');

    // The damaged-history notice fits the side bar: its end and its close control are in view.
    const notice = frame.locator('.notice');
    await notice.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await notice.innerText(), /history file was damaged/);
    const fits = await notice.evaluate((el) => {
      const close = el.querySelector('button[title="Dismiss"]');
      const width = el.ownerDocument.documentElement.clientWidth;
      return { width, scroll: el.scrollWidth, client: el.clientWidth, closeRight: close?.getBoundingClientRect().right ?? Infinity };
    });
    assert.ok(fits.scroll <= fits.client + 1, `the notice overflows: ${JSON.stringify(fits)}`);
    assert.ok(fits.closeRight <= fits.width, `the close control is cut off: ${JSON.stringify(fits)}`);
    await wb.screenshot('ui-chat-crash-recovered');

    // Regenerate answers again.
    fake.script({ match: { path: '/api/chat', promptIncludes: 'CRASH-Q' }, times: 1, text: 'Answered again after the crash.' });
    await answer.locator('button[title="Answer again"]').click();
    await frame.locator('article.message.assistant.status-complete', { hasText: 'Answered again after the crash.' }).first().waitFor({ timeout: 60_000 });
  });
});
