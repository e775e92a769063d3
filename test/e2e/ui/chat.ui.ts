/**
 * The sidebar chat as a user meets it, in the real VS Code with the packaged extension and the fake Ollama server
 * (a TEST DOUBLE): a streamed answer with its tier badge, Insert at Cursor, Stop (the server sees the close),
 * retry with a bigger tier (another model answers), a hostile answer that runs nothing, and the conversation
 * still there after the window reloads.
 */
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { useVscode } from '../harness/session';
import type { Workbench } from '../harness/workbench';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

/** The chat's frame: opens the view only when it is not on screen (a second click would toggle the side bar). */
async function chatFrame(wb: Workbench): Promise<FrameLocator> {
  const shown = wb.page.locator('iframe.webview.ready');
  if ((await shown.count()) > 0 && (await shown.first().isVisible())) {
    return wb.waitForWebview('textarea', 60_000);
  }
  return wb.openChatView();
}

async function send(frame: FrameLocator, text: string): Promise<void> {
  const input = frame.locator('textarea');
  await input.click();
  await input.fill(text);
  await input.press('Enter');
}

suite('Chat (UI)', () => {
  const vs = useVscode({ mode: 'packaged', settings: tiers });
  const chatRequests = (): { model: string | undefined; outcome: string }[] => vs().fake.requests.filter((r) => r.path === '/api/chat');

  test('a message streams an answer with its tier badge, and Insert at Cursor puts its code in the editor', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat' }, times: 1, text: 'Use a named export:\n\n```ts\nexport const answerMarker = 42;\n```\n', tokensPerSecond: 40 });
    await wb.openFile('src/cart.ts');
    await wb.goToEnd();
    const frame = await chatFrame(wb);
    await send(frame, 'How do I export a constant in TypeScript?');
    const answer = frame.locator('article.message.assistant').last();
    await answer.locator('code', { hasText: 'export const answerMarker = 42;' }).first().waitFor({ timeout: 60_000 });
    const badge = await answer.locator('.badge').first().textContent();
    assert.match(badge ?? '', /· /, `tier badge: ${badge}`);
    assert.ok(((await answer.locator('.badge').first().getAttribute('title')) ?? '').includes('Why this model'), 'the badge explains the routing');
    assert.equal(chatRequests().length, 1);

    await answer.locator('button.code-action[data-action="insert"]').first().click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'cart.ts' }).first().click();
    let text = '';
    for (let i = 0; i < 50 && !/export const answerMarker = 42;/.test(text); i++) {
      await wb.goToEnd();
      text = await wb.editorText();
    }
    assert.match(text, /export const answerMarker = 42;/, 'the code block was inserted at the cursor');
  });

  test('Stop aborts the answer on the server and keeps the partial text, marked as cut off', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat' }, times: 1, text: Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '), tokensPerSecond: 4 });
    const frame = await chatFrame(wb);
    const closedBefore = fake.closedEarly.length;
    await send(frame, 'Tell me a long story about arrays.');
    const answer = frame.locator('article.message.assistant').last();
    await answer.locator('text=word2').first().waitFor({ timeout: 60_000 });
    await frame.locator('button[aria-label="Stop the answer (Esc)"]').click();
    await frame.locator('article.message.assistant.status-cutOff').last().waitFor({ timeout: 30_000 });
    await fake.waitForClosed(closedBefore + 1);
    assert.ok(fake.closedEarly.length > closedBefore, 'the server saw the client close the stream');
    assert.match((await frame.locator('article.message.assistant').last().textContent()) ?? '', /word0 word1/);
  });

  test('retry with a bigger tier asks a bigger model', async () => {
    const { wb } = vs();
    const frame = await chatFrame(wb);
    const before = chatRequests().length;
    await send(frame, 'What is 2 + 2?');
    for (let i = 0; i < 300 && chatRequests().slice(before).every((r) => r.outcome !== 'completed'); i++) {
      await wb.page.waitForTimeout(200);
    }
    await frame.locator('article.message.assistant.status-complete').last().waitFor({ timeout: 60_000 });
    const first = chatRequests().at(-1)?.model;
    const count = chatRequests().length;
    assert.ok(count > before, 'the question reached the server');
    await frame.locator('article.message.assistant').last().locator('button[aria-label="Retry with a bigger tier"]').click();
    for (let i = 0; i < 100 && chatRequests().length === count; i++) {
      await wb.page.waitForTimeout(200);
    }
    const second = chatRequests().at(-1)?.model;
    assert.ok(first !== undefined && second !== undefined, 'two chat requests');
    assert.notEqual(second, first, `the retry used another model (${first} → ${second})`);
  });

  test('a hostile answer renders as text and runs nothing', async () => {
    const { wb, fake } = vs();
    fake.script({
      match: { path: '/api/chat' },
      times: 1,
      text: 'Look: <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> [click](javascript:window.__pwned=3) <svg><script>window.__pwned=4</script></svg> done.',
    });
    const frame = await chatFrame(wb);
    await send(frame, 'Show me something hostile.');
    const answer = frame.locator('article.message.assistant').last();
    await answer.locator('text=done.').first().waitFor({ timeout: 60_000 });
    assert.equal(await answer.locator('script, img[onerror], svg, a[href^="javascript"]').count(), 0, 'no live hostile element');
    await answer.locator('a', { hasText: 'click' }).first().click({ timeout: 2000 }).catch(() => undefined);
    const pwned = await frame.locator('body').evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
    assert.equal(pwned, undefined, 'no script ran');
  });

  test('after a window reload the conversation is still there', async () => {
    const { wb } = vs();
    let frame = await chatFrame(wb);
    await send(frame, 'Remember the marker REL0AD-CHECK please.');
    await frame.locator('article.message.assistant.status-complete').last().waitFor({ timeout: 60_000 });
    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    frame = await chatFrame(wb);
    await frame.locator('article.message.user', { hasText: 'REL0AD-CHECK' }).first().waitFor({ timeout: 60_000 });
  });
});
