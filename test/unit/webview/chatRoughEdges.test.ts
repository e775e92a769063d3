import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { errors } from '../../../src/backend/errors';
import { route } from '../../../src/routing/router';
import { formatFigures } from '../../../src/webview/app/answerParts';
import { fullEnv } from '../../fixtures/routing/models';
import { loadMarked, message, mountChatView, snapshot } from './chatViewKit';

// Issue 16, "Chat rough edges": what the webview shows (the host side is in test/unit/chat/chatController.test.ts).
suite('chat webview: rough edges of issue 16', () => {
  suiteSetup(async () => {
    await loadMarked();
  });

  test('a link in an answer is never followed in the view: the click goes to the host, which asks first', () => {
    const { dom, view, root, posted } = mountChatView();
    view.handle({ type: 'state', state: snapshot([message('a1', 'assistant', 'See [the docs](https://example.com/x?a=1) and [mail](mailto:a@b.c).')]) });
    const link = root.querySelector('article[data-id="a1"] a[href^="https:"]') as HTMLAnchorElement;
    assert.ok(link, 'the link is rendered');
    // VS Code's webview host listens on the window and opens any clicked link at once: it must not see the click.
    let reachedWindow = 0;
    dom.window.addEventListener('click', () => reachedWindow++);
    dom.window.addEventListener('auxclick', () => reachedWindow++);
    const click = new dom.window.MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    assert.equal(click.defaultPrevented, true, 'the browser does not navigate');
    assert.equal(reachedWindow, 0, "VS Code's own handler never sees the click");
    assert.deepEqual(posted.at(-1), { type: 'openLink', url: 'https://example.com/x?a=1' });
    // A middle click opens nothing and asks nothing.
    const before = posted.length;
    const middle = new dom.window.MouseEvent('auxclick', { bubbles: true, cancelable: true, button: 1 });
    link.dispatchEvent(middle);
    assert.equal(middle.defaultPrevented, true);
    assert.equal(reachedWindow, 0);
    assert.equal(posted.length, before);
  });

  test('the notice text sits in its own shrinkable element, before its buttons (wraps in a narrow side bar)', () => {
    const { view, root } = mountChatView();
    const long = `A chat history file was damaged (cut off mid-write); it was recovered up to its last good record. The original is kept at /home/someone/.config/Code/User/workspaceStorage/0123456789abcdef/tiered/chat/conversations/${'x'.repeat(40)}.jsonl.damaged.`;
    view.handle({ type: 'notice', level: 'warning', message: long });
    const notice = root.querySelector('.notice') as HTMLElement;
    assert.equal(notice.hidden, false);
    const text = notice.querySelector('.notice-text') as HTMLElement;
    assert.equal(text?.textContent, long);
    assert.equal(notice.firstElementChild, text, 'the text first, then the close control');
    const close = notice.querySelector('button[title="Dismiss"]') as HTMLButtonElement;
    assert.ok(close);
    close.click();
    assert.equal(notice.hidden, true);
  });

  test('with no server answering, the state carries what is wrong and what to do, shown before anything is typed', () => {
    const { view, root, posted } = mountChatView();
    view.handle({
      type: 'state',
      state: snapshot([], {
        server: { message: 'Cannot reach the model server at http://127.0.0.1:11434.', actions: [{ id: 'startServer', label: 'Start the server' }, { id: 'checkConnection', label: 'Check connection' }] },
      }),
    });
    const banner = root.querySelector('.server-banner') as HTMLElement;
    assert.equal(banner.hidden, false);
    assert.equal(banner.getAttribute('role'), 'alert');
    assert.match(banner.textContent ?? '', /Cannot reach the model server/);
    (banner.querySelector('button[title="Start the server"]') as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'errorAction', action: 'startServer' });
    // The server answers again: the banner goes.
    view.handle({ type: 'state', state: snapshot([]) });
    assert.equal(banner.hidden, true);
  });

  test('an interrupted answer is not shown streaming: its status, the reason and Regenerate', () => {
    const { view, root, posted } = mountChatView();
    view.handle({
      type: 'state',
      state: snapshot([message('u1', 'user', 'q'), message('a1', 'assistant', '', { parentId: 'u1', status: 'error', error: 'Interrupted: VS Code closed or crashed while this answer was being written.' })]),
    });
    const article = root.querySelector('article[data-id="a1"]') as HTMLElement;
    assert.ok(!article.classList.contains('status-streaming'));
    assert.match(article.textContent ?? '', /Interrupted/);
    (article.querySelector('button[title="Answer again"]') as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'regenerate', messageId: 'a1' });
  });

  test('the figures line gives the whole prompt size, with the cached part', () => {
    assert.equal(formatFigures({ ttftMs: 80, tokensPerSecond: 25, promptTokens: 1203, answerTokens: 76, cachedPromptTokens: 1202, promptEstimated: true }), 'TTFT 80 ms · 25.0 tok/s · ~1203 prompt (1202 cached) + 76 answer tokens');
    assert.equal(formatFigures({ ttftMs: 80, tokensPerSecond: 25, promptTokens: 900, answerTokens: 76, cachedPromptTokens: 850 }), 'TTFT 80 ms · 25.0 tok/s · 900 prompt (850 cached) + 76 answer tokens');
    assert.equal(formatFigures({ ttftMs: 80, tokensPerSecond: 25, promptTokens: 42, answerTokens: 2 }), 'TTFT 80 ms · 25.0 tok/s · 42 prompt + 2 answer tokens');
  });

  test('plain-text messages carry no Markdown backticks: the error box, notifications and the welcome view show them literally', () => {
    const texts: [string, string][] = [['server unreachable', errors.unreachable('http://127.0.0.1:11434').message]];
    for (const installed of [[], fullEnv().installed.filter((m) => m.capabilities.embedding)]) {
      const d = route({ task: 'chat', text: 'hi' }, fullEnv({ installed }));
      assert.equal(d.kind, 'noModel');
      texts.push(['no model', d.kind === 'noModel' ? d.suggestion : '']);
    }
    // viewsWelcome content renders links only: the rest is shown as written.
    const nls = JSON.parse(readFileSync(path.join(__dirname, '../../../package.nls.json'), 'utf8')) as Record<string, string>;
    for (const [key, value] of Object.entries(nls)) {
      if (key.startsWith('welcome.')) {
        texts.push([key, value]);
      }
    }
    assert.ok(texts.length >= 4);
    for (const [where, text] of texts) {
      assert.ok(!text.includes('`'), `${where}: ${text}`);
    }
    assert.match(texts[0]?.[1] ?? '', /"ollama serve"/);
  });
});
