/**
 * The sidebar chat as a user meets it, in the real VS Code with the packaged extension and the fake Ollama server
 * (a TEST DOUBLE): a streamed answer with its tier badge, Insert at Cursor, Stop (the server sees the close),
 * retry with a bigger tier (another model answers), a hostile answer that runs nothing, Regenerate and
 * edit-and-resend (the earlier branch kept behind the branch switcher), a code block in the diff editor and in a
 * new file, and the conversation still there after the window reloads.
 */
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { useVscode } from '../harness/session';
import { pickFileWithAt, sendChatMessage as send, until } from '../harness/tieredUi';
import type { Workbench } from '../harness/workbench';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

const chatFrame = (wb: Workbench): Promise<FrameLocator> => wb.chatFrame();

/** The text of the last user message of a recorded /api/chat request (context is placed before the question). */
function lastUserText(body: unknown): string {
  const messages = (body as { messages?: { role: string; content: string }[] } | undefined)?.messages ?? [];
  return [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

/** Every message text of a recorded /api/chat request. */
function allText(body: unknown): string {
  return ((body as { messages?: { content: string }[] } | undefined)?.messages ?? []).map((m) => m.content).join('\n');
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
    // A hidden element stays hidden (a class rule with `display` once showed the empty notice bar to everyone).
    assert.equal(await frame.locator('.notice').isVisible(), false, 'no empty notice bar');
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

  test('Esc in the chat stops a streaming answer too', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'ESC-Q' }, times: 1, text: Array.from({ length: 200 }, (_, i) => `esc${i}`).join(' '), tokensPerSecond: 4 });
    const frame = await chatFrame(wb);
    const closedBefore = fake.closedEarly.length;
    await send(frame, 'Count slowly (ESC-Q).');
    const answer = frame.locator('article.message.assistant').last();
    await answer.locator('text=esc2').first().waitFor({ timeout: 60_000 });
    await frame.locator('textarea').press('Escape');
    await frame.locator('article.message.assistant.status-cutOff', { hasText: 'esc1' }).last().waitFor({ timeout: 30_000 });
    await fake.waitForClosed(closedBefore + 1, 30_000);
    assert.ok(fake.closedEarly.length > closedBefore, 'the server saw the client close the stream');
  });

  test('a stream that fails midway keeps the partial answer, cut off, with the error and a Retry that asks again', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'FAIL-Q' }, times: 1, text: 'partial words here and then much more', errorAfterTokens: { after: 3, error: 'model runner crashed' } });
    fake.script({ match: { path: '/api/chat', promptIncludes: 'FAIL-Q' }, times: 1, text: 'Recovered: FAILANS-OK.' });
    const asked = (): number => fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes('FAIL-Q')).length;
    const frame = await chatFrame(wb);
    await send(frame, 'Explain generics (FAIL-Q)');
    // The earlier tests' stopped answers are cut off too: find this one by its text.
    const cut = frame.locator('article.message.assistant.status-cutOff', { hasText: 'partial' }).last();
    await cut.waitFor({ timeout: 60_000 });
    assert.doesNotMatch((await cut.locator('.content').textContent()) ?? '', /much more/, 'only the part before the failure');
    // The error stays on its answer with its actions (the state redraw after the failure must not wipe it).
    const box = cut.locator('.error-box[role="alert"]');
    await box.waitFor({ timeout: 30_000 });
    assert.match((await box.textContent()) ?? '', /model runner crashed/);
    await box.locator('button[aria-label="Retry"]').click();
    await frame.locator('article.message.assistant.status-complete', { hasText: 'FAILANS-OK' }).first().waitFor({ timeout: 60_000 });
    assert.equal(asked(), 2, 'Retry asked the same question again');
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

  test('Regenerate asks again for the same message and keeps the first answer as a branch', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'REGEN-Q' }, times: 1, text: 'First take: REGEN-ONE.' });
    fake.script({ match: { path: '/api/chat', promptIncludes: 'REGEN-Q' }, times: 1, text: 'Second take: REGEN-TWO.' });
    const asked = (): { body: unknown; outcome: string }[] => fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes('REGEN-Q'));
    const frame = await chatFrame(wb);
    await send(frame, 'What is a closure? (REGEN-Q)');
    await frame.locator('article.message.assistant.status-complete', { hasText: 'REGEN-ONE' }).first().waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => asked().length === 1 && asked()[0]?.outcome === 'completed'), 'the first answer completed on the server');

    await frame.locator('article.message.assistant').last().locator('button[aria-label="Answer again"]').click();
    const second = frame.locator('article.message.assistant.status-complete', { hasText: 'REGEN-TWO' }).first();
    await second.waitFor({ timeout: 60_000 });
    const requests = asked();
    assert.equal(requests.length, 2, 'a second /api/chat request for the message');
    assert.equal(lastUserText(requests[1]?.body), lastUserText(requests[0]?.body), 'the same user message was asked again');
    assert.match(lastUserText(requests[1]?.body), /What is a closure\? \(REGEN-Q\)$/);
    assert.doesNotMatch(allText(requests[1]?.body), /REGEN-ONE/, 'the discarded answer is not sent back to the model');

    // The first answer is kept: "2/2", and the previous version shows it again.
    assert.equal((await second.locator('.branch-label').textContent())?.trim(), '2/2');
    await second.locator('button[aria-label="Previous version"]').click();
    const first = frame.locator('article.message.assistant', { hasText: 'REGEN-ONE' }).first();
    await first.waitFor({ timeout: 30_000 });
    assert.equal((await first.locator('.branch-label').textContent())?.trim(), '1/2');
    assert.equal(await frame.locator('article.message.assistant', { hasText: 'REGEN-TWO' }).count(), 0, 'only one version is shown at a time');
    await first.locator('button[aria-label="Next version"]').click();
    await frame.locator('article.message.assistant', { hasText: 'REGEN-TWO' }).first().waitFor({ timeout: 30_000 });
  });

  test('Up in the empty input edits the last message; the edit is what the server gets, and the earlier branch is kept', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'EDIT-ORIG' }, times: 1, text: 'About maps: EDITANS-ONE.' });
    fake.script({ match: { path: '/api/chat', promptIncludes: 'EDIT-NEW' }, times: 1, text: 'About sets: EDITANS-TWO.' });
    const frame = await chatFrame(wb);
    await send(frame, 'How do I use a Map? EDIT-ORIG');
    await frame.locator('article.message.assistant.status-complete', { hasText: 'EDITANS-ONE' }).first().waitFor({ timeout: 60_000 });
    const before = chatRequests().length;

    const input = frame.locator('textarea');
    await input.click();
    await input.press('ArrowUp');
    await frame.locator('.editing-bar:not([hidden])').waitFor({ timeout: 10_000 });
    assert.equal(await input.inputValue(), 'How do I use a Map? EDIT-ORIG', 'Up put the last message in the input');
    await input.fill('How do I use a Set? EDIT-NEW');
    await input.press('Enter');

    const answer = frame.locator('article.message.assistant.status-complete', { hasText: 'EDITANS-TWO' }).first();
    await answer.waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => chatRequests().length > before), 'the edit reached the server');
    const sent = fake.requests.filter((r) => r.path === '/api/chat').at(-1)?.body;
    assert.match(lastUserText(sent), /How do I use a Set\? EDIT-NEW$/, 'the edited text is what the server received');
    assert.doesNotMatch(allText(sent), /EDIT-ORIG|EDITANS-ONE/, 'the earlier branch is not sent');

    // The edited message is version 2 of 2; the previous version brings back the original question and its answer.
    const edited = frame.locator('article.message.user', { hasText: 'EDIT-NEW' }).first();
    assert.equal((await edited.locator('.branch-label').textContent())?.trim(), '2/2');
    await edited.locator('button[aria-label="Previous version"]').click();
    await frame.locator('article.message.user', { hasText: 'EDIT-ORIG' }).first().waitFor({ timeout: 30_000 });
    await frame.locator('article.message.assistant', { hasText: 'EDITANS-ONE' }).first().waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('article.message.user', { hasText: 'EDIT-NEW' }).count(), 0);
  });

  test('a code block opens in the diff editor against the selection, and in a new untitled file', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'DIFF-Q' }, times: 1, text: 'Try this:\n\n```ts\nexport const diffMarker = 7;\n```\n' });
    await wb.openFile('src/cart.ts');
    await wb.selectAll();
    const frame = await chatFrame(wb);
    await send(frame, 'Rewrite the selection (DIFF-Q)');
    const answer = frame.locator('article.message.assistant.status-complete', { hasText: 'diffMarker' }).first();
    await answer.waitFor({ timeout: 60_000 });

    await answer.locator('button.code-action[data-action="diff"]').first().click();
    await wb.page.locator('.tabs-container .tab', { hasText: /cart\.ts ↔ chat suggestion \(selection\)/ }).first().waitFor({ timeout: 30_000 });
    const modified = wb.page.locator('.monaco-diff-editor .editor.modified .view-lines');
    await modified.filter({ hasText: 'diffMarker' }).first().waitFor({ timeout: 30_000 });
    const original = wb.page.locator('.monaco-diff-editor .editor.original .view-lines').first();
    assert.doesNotMatch((await original.textContent()) ?? '', /diffMarker/, 'the left side is the file as it is');

    await answer.locator('button.code-action[data-action="newFile"]').first().click();
    await wb.page.locator('.tabs-container .tab.active', { hasText: /Untitled/ }).first().waitFor({ timeout: 30_000 });
    let text = '';
    for (let i = 0; i < 50 && !/export const diffMarker = 7;/.test(text); i++) {
      text = await wb.editorText();
      await wb.page.waitForTimeout(200);
    }
    assert.match(text, /export const diffMarker = 7;/, 'the new file holds the code');
  });

  test('@ in the message box opens a file picker; the picked file is a chip and goes with the message', async () => {
    const { wb, fake } = vs();
    const frame = await chatFrame(wb);
    await pickFileWithAt(wb, frame, 'report.py');
    await frame.locator('.chip', { hasText: 'scripts/report.py' }).first().waitFor({ timeout: 30_000 });
    await send(frame, 'What does this script do? (AT-Q)');
    assert.ok(await until(wb, () => fake.requests.some((r) => r.path === '/api/chat' && r.rawBody.includes('AT-Q'))), 'the question reached the server');
    const sent = fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes('AT-Q')).at(-1)?.body;
    assert.match(lastUserText(sent), /File scripts\/report\.py:[\s\S]*def totals_by_region[\s\S]*\(AT-Q\)$/, 'the picked file is in the prompt, before the question');
    await frame.locator('article.message.assistant.status-complete').last().waitFor({ timeout: 60_000 });
  });

  test('the model picker fixes a tier for the conversation, and Auto gives the choice back to the router', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'PICK-Q' }, times: 1, text: 'Picked: PICKANS.' });
    const frame = await chatFrame(wb);
    const picker = frame.locator('select.picker');
    await picker.selectOption({ label: 'Tier moe (qwen3:30b-a3b)' });
    // Options are never "visible" to playwright: wait for the host's state to have selected it.
    await frame.locator('select.picker option:checked', { hasText: 'Tier moe' }).waitFor({ state: 'attached', timeout: 30_000 });
    await send(frame, 'Which model answers this? (PICK-Q)');
    assert.ok(await until(wb, () => fake.requests.some((r) => r.path === '/api/chat' && r.rawBody.includes('PICK-Q'))), 'the question reached the server');
    assert.equal(fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes('PICK-Q')).at(-1)?.model, 'qwen3:30b-a3b');
    const answer = frame.locator('article.message.assistant.status-complete', { hasText: 'PICKANS' }).first();
    await answer.waitFor({ timeout: 60_000 });
    assert.match((await answer.locator('.badge').first().textContent()) ?? '', /moe · qwen3:30b-a3b/);
    await picker.selectOption({ label: 'Auto (router decides)' });
    await frame.locator('select.picker option:checked', { hasText: 'Auto' }).waitFor({ state: 'attached', timeout: 30_000 });
  });

  test('hidden and shown again, the view comes back with its conversation and the unsent draft', async () => {
    const { wb } = vs();
    let frame = await chatFrame(wb);
    const input = frame.locator('textarea');
    await input.click();
    await input.fill('an unsent DRAFT-KEEP line');
    // Another view container takes the side bar: the chat's webview is disposed (no retainContextWhenHidden).
    // (Through the palette: the Explorer's activity-bar icon carries an "unsaved files" badge that takes the click.)
    await wb.runCommand('View: Show Explorer');
    await wb.page.locator('iframe.webview.ready').first().waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
    frame = await wb.openChatView();
    await frame.locator('article.message.assistant', { hasText: 'PICKANS' }).first().waitFor({ timeout: 60_000 });
    let draft = '';
    for (let i = 0; i < 50 && draft !== 'an unsent DRAFT-KEEP line'; i++) {
      draft = await frame.locator('textarea').inputValue();
      await wb.page.waitForTimeout(200);
    }
    assert.equal(draft, 'an unsent DRAFT-KEEP line', 'the draft is restored');
    await frame.locator('textarea').fill('');
  });

  test('the ⋯ menu renames the conversation (mouse to open it, keyboard to choose)', async () => {
    const { wb } = vs();
    const frame = await chatFrame(wb);
    await frame.locator('.action-menu > button').click();
    const menu = frame.locator('.action-menu [role="menu"]');
    await menu.waitFor();
    await frame.locator('[role="menuitem"]', { hasText: 'Rename…' }).press('Enter');
    assert.equal(await menu.isVisible(), false, 'the menu closes on its action');
    const title = frame.locator('.title-input');
    await title.waitFor();
    await title.fill('Renamed via menu');
    await title.press('Enter');
    await frame.locator('.conversation-select option:checked', { hasText: 'Renamed via menu' }).waitFor({ state: 'attached', timeout: 30_000 });
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
