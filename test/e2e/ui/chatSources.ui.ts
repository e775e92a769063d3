/**
 * Codebase-aware chat in the real VS Code with the packaged extension and the fake Ollama server (a TEST DOUBLE,
 * which has no embedding model): the workspace index builds lexical only (said once in the log, no error shown),
 * a question about a function defined in another file gets that function in the prompt (the fake records it) and
 * as a source chip; clicking the chip opens the file with the function's lines selected; with the codebase toggle
 * off only `@codebase` retrieves; the chips and the toggle survive a window reload.
 */
import * as assert from 'node:assert/strict';
import { useVscode } from '../harness/session';
import { sendChatMessage as send, until } from '../harness/tieredUi';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

/** Every message text of a recorded /api/chat request. */
function allText(body: unknown): string {
  return ((body as { messages?: { content: string }[] } | undefined)?.messages ?? []).map((m) => m.content).join('\n');
}

const LEXICAL_LINE = /so the index is lexical only/;
const lexicalLines = (log: string): number => log.split('\n').filter((line) => LEXICAL_LINE.test(line)).length;

suite('Chat sources (UI)', () => {
  const vs = useVscode({ mode: 'packaged', settings: tiers });
  const chatBodies = (marker: string): unknown[] => vs().fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes(marker)).map((r) => r.body);

  test('with no embedding model the index is lexical only: said once in the log, no error', async () => {
    const { wb, fake, tieredLog } = vs();
    assert.ok(await until(wb, () => /index: \d+ files, \d+ chunks/.test(tieredLog()), 120_000), `the index was built:\n${tieredLog().slice(-2000)}`);
    assert.ok(await until(wb, () => LEXICAL_LINE.test(tieredLog()), 60_000), 'the log says the index is lexical only');
    assert.equal(lexicalLines(tieredLog()), 1, 'said once');
    assert.match(tieredLog(), /no embedding model is installed/);
    assert.equal(fake.requests.filter((r) => r.path === '/api/embed').length, 0, 'nothing was sent to embed');
    const errors = (await wb.notifications()).filter((n) => /index/i.test(n));
    assert.deepEqual(errors, [], 'no notification about the index');
    assert.doesNotMatch(tieredLog(), /\[error\][^\n]*index/i, 'no index error in the log');
  });

  test('a question about a function in another file gets it in the prompt and as a chip that opens its lines', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'SRC-Q' }, times: 1, text: 'It splits one line: SRC-ANSWER.' });
    await wb.openFile('src/cart.ts');
    const frame = await wb.chatFrame();
    const toggle = frame.locator('button.codebase-toggle');
    await toggle.waitFor({ timeout: 30_000 });
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true', 'codebase search is on by default');

    await send(frame, 'Where is parseCsvLine defined, and how does it handle quotes? (SRC-Q)');
    const answer = frame.locator('article.message.assistant.status-complete', { hasText: 'SRC-ANSWER' }).first();
    await answer.waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => chatBodies('SRC-Q').length === 1), 'the question reached the server');
    const prompt = allText(chatBodies('SRC-Q')[0]);
    assert.match(prompt, /File src\/csv\.ts:\d+-\d+:/, 'the retrieved chunk is named in the prompt');
    assert.match(prompt, /export function parseCsvLine\(line: string\): string\[\]/, 'the function from the other file is in the prompt');

    const chip = answer.locator('button.source-chip.source-codebase', { hasText: /^src\/csv\.ts:\d+-\d+$/ }).first();
    await chip.waitFor({ timeout: 30_000 });
    const label = (await chip.textContent()) ?? '';
    const [, start, end] = /:(\d+)-(\d+)$/.exec(label) ?? [];
    assert.ok(start !== undefined && end !== undefined && Number(start) <= 2 && Number(end) >= 27, `the chunk covers parseCsvLine (lines 2-27): ${label}`);
    assert.match(await answer.locator('.context-report pre').textContent() ?? '', /sources from the index: src\/csv\.ts:/);

    await chip.click();
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'csv.ts' }).waitFor({ timeout: 30_000 });
    // The range is selected, the cursor at its end: the status bar says where and how much.
    const position = await wb.waitForStatusBarItem(new RegExp(`Ln ${end}, Col \\d+ \\(\\d+ selected\\)`), 30_000);
    assert.ok(await position.isVisible(), 'the source range is selected in the editor');
    assert.match(await wb.editorText(), /parseCsvLine/);
  });

  test('with the toggle off only @codebase retrieves; chips and the toggle survive a reload', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'OFF-Q' }, times: 1, text: 'Not looked up: OFF-ANSWER.' });
    fake.script({ match: { path: '/api/chat', promptIncludes: 'MENTION-Q' }, times: 1, text: 'Looked up: MENTION-ANSWER.' });
    // The current file is offered as context: one that does not hold the function.
    await wb.openFile('src/cart.ts');
    let frame = await wb.chatFrame();
    const toggle = frame.locator('button.codebase-toggle');
    await toggle.click();
    await frame.locator('button.codebase-toggle[aria-pressed="false"]').waitFor({ timeout: 30_000 });

    await send(frame, 'Where is parseCsvLine defined? (OFF-Q)');
    await frame.locator('article.message.assistant.status-complete', { hasText: 'OFF-ANSWER' }).first().waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => chatBodies('OFF-Q').length === 1));
    assert.doesNotMatch(allText(chatBodies('OFF-Q')[0]), /export function parseCsvLine/, 'nothing retrieved with the toggle off');

    await send(frame, '@codebase where is parseCsvLine defined? (MENTION-Q)');
    const mentioned = frame.locator('article.message.assistant.status-complete', { hasText: 'MENTION-ANSWER' }).first();
    await mentioned.waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => chatBodies('MENTION-Q').length === 1));
    assert.match(allText(chatBodies('MENTION-Q')[0]), /export function parseCsvLine/, '@codebase retrieves with the toggle off');
    await mentioned.locator('button.source-chip.source-codebase', { hasText: /^src\/csv\.ts:/ }).first().waitFor({ timeout: 30_000 });

    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    frame = await wb.chatFrame();
    const reloaded = frame.locator('article.message.assistant', { hasText: 'MENTION-ANSWER' }).first();
    await reloaded.locator('button.source-chip.source-codebase', { hasText: /^src\/csv\.ts:/ }).first().waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('button.codebase-toggle').getAttribute('aria-pressed'), 'false', 'the toggle is remembered');
  });
});
