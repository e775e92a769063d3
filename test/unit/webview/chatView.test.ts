import * as assert from 'node:assert/strict';
import { FIRST_PAINT, INITIAL_WINDOW, settledLength } from '../../../src/webview/app/messageList';
import type { ChatStateSnapshot, MessageView } from '../../../src/webview/protocol';
import { loadMarked, message, mountChatView, snapshot as baseSnapshot } from './chatViewKit';

// The picker offers a tier too, and a selection chip is offered.
function snapshot(messages: MessageView[], extra: Partial<ChatStateSnapshot> = {}): ChatStateSnapshot {
  return baseSnapshot(messages, {
    picker: [
      { choice: { kind: 'auto' }, label: 'Auto' },
      { choice: { kind: 'tier', tier: 'moe' }, label: 'MoE tier' },
    ],
    chips: [{ id: 'selection', kind: 'selection', label: 'main.ts:3-9', detail: 'src/main.ts lines 3-9' }],
    ...extra,
  });
}

function setup(initialDraft = '') {
  const mounted = mountChatView({ initialDraft, frames: 'queued', runScripts: true });
  const { dom } = mounted;
  const win = dom.window as unknown as Window & { __ran?: string[] };
  win.__ran = [];
  const key = (target: EventTarget, k: string, init: Partial<KeyboardEventInit> = {}) =>
    target.dispatchEvent(new dom.window.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }));
  return { ...mounted, key, ran: () => win.__ran ?? [] };
}

suite('chat webview view', () => {
  suiteSetup(async () => {
    await loadMarked();
  });

  test('Enter sends, Shift+Enter does not, and the draft is kept for a restore', () => {
    const { view, input, key, posted, saved } = setup('restored draft');
    view.handle({ type: 'state', state: snapshot([]) });
    assert.equal(input.value, 'restored draft');
    input.value = 'line one';
    key(input, 'Enter', { shiftKey: true });
    assert.deepEqual(posted, []);
    input.value = 'How do I sort?';
    input.dispatchEvent(new input.ownerDocument.defaultView!.Event('input'));
    assert.equal(saved.at(-1)?.draft, 'How do I sort?');
    key(input, 'Enter');
    assert.deepEqual(posted, [{ type: 'send', text: 'How do I sort?' }]);
    assert.equal(input.value, '');
    key(input, '@');
    assert.deepEqual(posted.at(-1), { type: 'pickFile' }, '@ opens the file picker');
  });

  test('streaming chunks are batched: one render per frame, however many chunks arrive', () => {
    const { view, root, runFrames } = setup();
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'q')]) });
    view.handle({ type: 'streamStart', messageId: 'a1', parentId: 'u1', badge: { tier: 'code', model: 'qwen2.5-coder:7b', reasons: ['code in the question'] } });
    for (let i = 0; i < 50; i++) {
      view.handle({ type: 'streamChunk', messageId: 'a1', text: `w${i} ` });
    }
    assert.equal(runFrames(), 1, 'one frame scheduled for 50 chunks');
    assert.equal(view.framesFlushed, 1);
    const content = root.querySelector('article[data-id="a1"] .content') as HTMLElement;
    assert.match(content.textContent ?? '', /w0 .*w49/);
    assert.equal(content.getAttribute('aria-live'), 'polite');
    assert.equal(content.getAttribute('aria-busy'), 'true');
    const badge = root.querySelector('article[data-id="a1"] .badge') as HTMLElement;
    assert.equal(badge.textContent, 'code · qwen2.5-coder:7b');
    assert.match(badge.title, /code in the question/);
    assert.equal((root.querySelector('button[title^="Stop"]') as HTMLButtonElement).hidden, false);

    view.handle({ type: 'streamChunk', messageId: 'a1', text: 'end' });
    view.handle({ type: 'streamEnd', messageId: 'a1', status: 'cutOff', figures: { ttftMs: 120, tokensPerSecond: 31.5, promptTokens: 812, answerTokens: 51 }, contextReport: 'included: main.ts' });
    assert.match(root.querySelector('article[data-id="a1"] .content')?.textContent ?? '', /end/, 'pending text flushed at the end');
    assert.match(root.querySelector('article[data-id="a1"] .figures')?.textContent ?? '', /TTFT 120 ms · 31\.5 tok\/s · 812 prompt \+ 51 answer tokens/);
    assert.ok(root.querySelector('article[data-id="a1"] .cut-off'), 'marked as cut off');
    assert.equal(root.querySelector('article[data-id="a1"] .content')?.getAttribute('aria-busy'), null);
  });

  test('the toolbar fits a narrow side bar: conversation, +, and a ⋯ menu that works with mouse and keyboard', () => {
    const { view, root, key, posted, dom } = setup();
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'hi'), message('a1', 'assistant', 'hello')], { streamingId: 'a1' }) });
    const toolbar = root.querySelector('.toolbar');
    assert.deepEqual([...(toolbar?.querySelectorAll(':scope > button') ?? [])].map((b) => b.textContent), ['+'], 'one text button left in the row');
    const more = root.querySelector<HTMLButtonElement>('.action-menu > button');
    const menu = root.querySelector<HTMLElement>('.action-menu [role="menu"]');
    assert.ok(more && menu);
    assert.equal(menu.hidden, true);
    more.click();
    assert.equal(menu.hidden, false);
    assert.equal(more.getAttribute('aria-expanded'), 'true');
    const items = [...menu.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
    assert.deepEqual(items.map((i) => i.textContent), ['Rename…', 'Delete', 'Export as Markdown…', 'Export as JSON…', 'Import from JSON…']);
    assert.equal(dom.window.document.activeElement, items[0], 'the first item has the focus');
    key(items[0]!, 'ArrowDown');
    key(items[1]!, 'ArrowUp');
    key(items[0]!, 'ArrowUp');
    assert.equal(dom.window.document.activeElement, items[4], 'Up from the first wraps to the last');
    // Escape closes the menu only: the answer streaming meanwhile is not stopped.
    key(items[4]!, 'Escape');
    assert.equal(menu.hidden, true);
    assert.equal(dom.window.document.activeElement, more, 'the focus goes back to ⋯');
    assert.equal(posted.filter((m) => m.type === 'stop').length, 0);
    more.click();
    items[3]!.click();
    assert.deepEqual(posted.at(-1), { type: 'exportConversation', conversationId: 'c1', format: 'json' });
    assert.equal(menu.hidden, true, 'an action closes the menu');
    more.click();
    root.querySelector('textarea')?.dispatchEvent(new dom.window.MouseEvent('mousedown', { bubbles: true }));
    assert.equal(menu.hidden, true, 'a click elsewhere closes it');
  });

  test('Esc stops a stream; Up edits the last user message and resends it as a branch', () => {
    const { view, input, key, posted, dom } = setup();
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'first'), message('a1', 'assistant', 'ans')], { streamingId: 'a1' }) });
    key(dom.window.document, 'Escape');
    assert.deepEqual(posted.at(-1), { type: 'stop' });
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'first'), message('a1', 'assistant', 'ans')]) });
    key(input, 'ArrowUp');
    assert.equal(input.value, 'first');
    input.value = 'first, edited';
    key(input, 'Enter');
    assert.deepEqual(posted.at(-1), { type: 'editAndResend', messageId: 'u1', text: 'first, edited' });
  });

  test('code-block buttons post the block\'s exact code with the action', () => {
    const { view, root, posted } = setup();
    const code = 'const a = "<b>";\nconsole.log(a);';
    view.handle({ type: 'state', state: snapshot([message('a1', 'assistant', `Try:\n\n\`\`\`js\n${code}\n\`\`\`\n`)]) });
    for (const action of ['copy', 'insert', 'replace', 'diff', 'newFile'] as const) {
      (root.querySelector(`article[data-id="a1"] button[data-action="${action}"]`) as HTMLButtonElement).click();
      assert.deepEqual(posted.at(-1), { type: 'codeAction', action, code, language: 'js' });
    }
  });

  test('answer actions, branch navigation, model picker and chips post protocol messages', () => {
    const { view, root, posted, dom } = setup();
    view.handle({
      type: 'state',
      state: snapshot([message('u1', 'user', 'q'), message('a2', 'assistant', 'v2', { branch: { index: 2, count: 2, prevId: 'a1', nextId: undefined } })]),
    });
    const click = (title: string) => (root.querySelector(`article[data-id="a2"] button[title="${title}"]`) as HTMLButtonElement).click();
    click('Answer again');
    assert.deepEqual(posted.at(-1), { type: 'regenerate', messageId: 'a2' });
    click('Retry with a bigger tier');
    assert.deepEqual(posted.at(-1), { type: 'retryBiggerTier', messageId: 'a2' });
    click('Ask for a shorter answer');
    assert.deepEqual(posted.at(-1), { type: 'adjust', messageId: 'a2', style: 'shorter' });
    click('Previous version');
    assert.deepEqual(posted.at(-1), { type: 'switchBranch', messageId: 'a1' });
    const picker = root.querySelector('select.picker') as HTMLSelectElement;
    picker.value = '1';
    picker.dispatchEvent(new dom.window.Event('change'));
    assert.deepEqual(posted.at(-1), { type: 'setModelChoice', choice: { kind: 'tier', tier: 'moe' } });
    (root.querySelector('.chip button') as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'removeChip', chipId: 'selection' });
  });

  test('errors show in the conversation with their actions', () => {
    const { view, root, posted } = setup();
    view.handle({ type: 'state', state: snapshot([message('a1', 'assistant', 'partial', { status: 'cutOff' })]) });
    view.handle({ type: 'error', messageId: 'a1', message: 'Ollama is not running at http://127.0.0.1:11434.', actions: [{ id: 'startServer', label: 'Start Ollama' }, { id: 'retry', label: 'Retry' }] });
    const box = root.querySelector('article[data-id="a1"] .error-box') as HTMLElement;
    assert.match(box.textContent ?? '', /not running/);
    assert.equal(box.getAttribute('role'), 'alert');
    (box.querySelector('button[title="Start Ollama"]') as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'errorAction', action: 'startServer', messageId: 'a1' });
  });

  test('a hostile streamed answer runs nothing', async () => {
    const { view, root, runFrames, ran, dom } = setup();
    view.handle({ type: 'state', state: snapshot([]) });
    view.handle({ type: 'streamStart', messageId: 'a1', parentId: null, badge: { tier: 'small', model: 'm', reasons: [] } });
    const hostile = '<img src=x onerror="window.__ran.push(1)"><script>window.__ran.push(2)</script>[x](javascript:window.__ran.push(3))<svg onload="window.__ran.push(4)">';
    for (const ch of hostile.match(/.{1,7}/gs) ?? []) {
      view.handle({ type: 'streamChunk', messageId: 'a1', text: ch });
      runFrames(); // render every partial state: a half-streamed tag must be safe too
    }
    view.handle({ type: 'streamEnd', messageId: 'a1', status: 'complete', figures: undefined, contextReport: undefined });
    await new Promise((r) => dom.window.setTimeout(r, 30));
    assert.deepEqual(ran(), []);
    assert.equal(root.querySelector('.messages script, .messages img, .messages svg, .messages [onerror], .messages [onload]'), null);
  });

  test('a long conversation draws only the latest messages, with "show earlier"', () => {
    const { view, root, runFrames } = setup();
    const many = Array.from({ length: 1000 }, (_, i) => message(`m${i}`, i % 2 === 0 ? 'user' : 'assistant', `message ${i}`));
    view.handle({ type: 'state', state: snapshot(many) });
    assert.equal(root.querySelectorAll('article.message').length, FIRST_PAINT, 'the latest messages first');
    assert.equal(root.querySelector('article.message:last-of-type')?.getAttribute('data-id'), 'm999');
    runFrames();
    assert.equal(root.querySelectorAll('article.message').length, FIRST_PAINT, 'still only the latest during the first frame');
    runFrames();
    assert.equal(root.querySelectorAll('article.message').length, INITIAL_WINDOW, 'the rest of the window on the next frame');
    assert.equal(root.querySelector('article.message')?.getAttribute('data-id'), `m${1000 - INITIAL_WINDOW}`, 'in order');
    assert.equal(root.querySelector('article.message:last-of-type')?.getAttribute('data-id'), 'm999');
    (root.querySelector('.messages > button') as HTMLButtonElement).click();
    runFrames();
    runFrames();
    assert.equal(root.querySelectorAll('article.message').length, INITIAL_WINDOW * 2);
  });

  test('"show earlier" asks the host for older messages once the local ones are all drawn', () => {
    const { view, root, posted } = setup();
    view.handle({ type: 'state', state: snapshot([message('m1', 'user', 'latest')], { earlierCount: 9_999 }) });
    const button = root.querySelector('.messages > button') as HTMLButtonElement;
    assert.match(button.textContent ?? '', /9999 hidden/);
    button.click();
    assert.deepEqual(posted.at(-1), { type: 'showEarlier' });
  });

  test('delete offers Undo', () => {
    const { view, root, posted } = setup();
    view.handle({ type: 'state', state: snapshot([], { undoDeleteId: 'old' }) });
    (root.querySelector('.notice button[title="Undo"]') as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'undoDelete', conversationId: 'old' });
  });

  test('settled part of a streaming text: whole blocks only, never inside an open code fence', () => {
    assert.equal(settledLength('para one\n\npara two'), 'para one\n\n'.length);
    assert.equal(settledLength('text\n\n```ts\nconst a = 1;\n\nconst b = 2;'), 'text\n\n'.length, 'a blank line inside an open fence does not settle');
    const closed = 'intro\n\n```ts\nx\n```\n';
    assert.equal(settledLength(`${closed}after`), closed.length);
    assert.equal(settledLength('no newline yet'), 0);
  });

  test('while streaming, code buttons of settled and unsettled blocks send the right code', () => {
    const { view, root, posted, runFrames } = setup();
    view.handle({ type: 'state', state: snapshot([]) });
    view.handle({ type: 'streamStart', messageId: 'a1', parentId: null, badge: { tier: 'code', model: 'm', reasons: [] } });
    view.handle({ type: 'streamChunk', messageId: 'a1', text: 'First:\n\n```js\nfirst()\n```\n\nSecond:\n\n```py\nsecond()' });
    runFrames();
    const buttons = root.querySelectorAll('article[data-id="a1"] button[data-action="insert"]');
    assert.equal(buttons.length, 2);
    (buttons[1] as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'codeAction', action: 'insert', code: 'second()', language: 'py' });
    (buttons[0] as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'codeAction', action: 'insert', code: 'first()', language: 'js' });
  });
});
