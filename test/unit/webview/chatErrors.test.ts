import * as assert from 'node:assert/strict';
import { loadMarked, message, mountChatView, snapshot } from './chatViewKit';

const setup = () => mountChatView();

// The host sends a fresh state right after an error (the answer ended) and whenever the editor's selection
// changes: an error and its actions must survive those redraws, or the user sees them flash and vanish.
suite('chat webview: errors stay until acted on', () => {
  suiteSetup(async () => {
    await loadMarked();
  });

  test("an answer's error box and its actions survive the state redraws that follow it", () => {
    const { view, root, posted } = setup();
    const cut = [message('u1', 'user', 'q'), message('a1', 'assistant', 'partial', { status: 'cutOff' })];
    view.handle({ type: 'state', state: snapshot(cut) });
    view.handle({ type: 'error', messageId: 'a1', message: 'The answer was cut off: boom.', actions: [{ id: 'retry', label: 'Retry' }] });
    view.handle({ type: 'state', state: snapshot(cut) });
    view.handle({ type: 'state', state: snapshot(cut, { chips: [{ id: 'file', kind: 'file', label: 'a.ts', detail: 'a.ts' }] }) });
    const box = root.querySelector('article[data-id="a1"] .error-box');
    assert.ok(box, 'the error box is still on its answer');
    assert.match(box.textContent ?? '', /cut off: boom/);
    (box.querySelector('button[title="Retry"]') as HTMLButtonElement).click();
    assert.deepEqual(posted.at(-1), { type: 'errorAction', action: 'retry', messageId: 'a1' });
    view.handle({ type: 'state', state: snapshot(cut) });
    assert.equal(root.querySelectorAll('.error-box').length, 0, 'acted on: gone for good');
  });

  test('an error without an answer (e.g. the server is down) stays at the end until the next answer starts', () => {
    const { view, root } = setup();
    const asked = [message('u1', 'user', 'hello?')];
    view.handle({ type: 'state', state: snapshot(asked) });
    view.handle({ type: 'error', messageId: undefined, message: 'Cannot reach the model server.', actions: [{ id: 'startServer', label: 'Start the server' }] });
    view.handle({ type: 'state', state: snapshot(asked) });
    const box = root.querySelector('.messages > .error-box');
    assert.ok(box, 'still shown after the state that followed');
    assert.equal(root.querySelector('.messages')?.lastElementChild, box, 'at the end of the conversation');
    view.handle({ type: 'streamStart', messageId: 'a2', parentId: 'u1', badge: { tier: 'code', model: 'm', reasons: [] } });
    assert.equal(root.querySelectorAll('.error-box').length, 0, 'a new answer replaces it');
  });

  test('switching conversation drops the errors of the one left', () => {
    const { view, root } = setup();
    view.handle({ type: 'state', state: snapshot([message('a1', 'assistant', 'x', { status: 'error' })]) });
    view.handle({ type: 'error', messageId: 'a1', message: 'failed', actions: [] });
    view.handle({ type: 'state', state: snapshot([message('b1', 'user', 'other')], { activeId: 'c2' }) });
    view.handle({ type: 'state', state: snapshot([message('a1', 'assistant', 'x', { status: 'error' })]) });
    assert.equal(root.querySelectorAll('.error-box').length, 0);
  });
});
