import * as assert from 'node:assert/strict';
import { ANSWER_ACTIONS } from '../../../src/webview/app/answerParts';
import type { SourceView } from '../../../src/webview/protocol';
import { loadMarked, message, mountChatView, snapshot } from './chatViewKit';

const csv: SourceView = { path: 'src/csv.ts', startLine: 2, endLine: 27, kind: 'codebase' };
const selection: SourceView = { path: 'src/cart.ts', startLine: 5, endLine: 5, kind: 'selection' };

suite('chat webview: source chips and the codebase toggle', () => {
  suiteSetup(async () => {
    await loadMarked();
  });

  test('an answer shows its sources as file:lines chips; a click asks the host to open that range', () => {
    const { view, root, posted } = mountChatView();
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'where?'), message('a1', 'assistant', 'There.', { sources: [csv, selection] })]) });
    const chips = [...root.querySelectorAll<HTMLButtonElement>('article[data-id="a1"] .sources button.source-chip')];
    assert.deepEqual(chips.map((c) => c.textContent), ['src/csv.ts:2-27', 'src/cart.ts:5']);
    assert.match(chips[0]?.title ?? '', /Open src\/csv\.ts:2-27 \(found in the workspace index\)/);
    assert.equal(root.querySelectorAll('article[data-id="u1"] .sources').length, 0, 'the question has no sources');
    chips[0]?.click();
    assert.deepEqual(posted.at(-1), { type: 'openSource', messageId: 'a1', path: 'src/csv.ts', startLine: 2, endLine: 27 });
  });

  test('a path is shown as text, never as HTML', () => {
    const { view, root } = mountChatView({ runScripts: true });
    const hostile: SourceView = { path: '<img src=x onerror="window.__pwned=1">.ts', startLine: 1, endLine: 2, kind: 'file' };
    view.handle({ type: 'state', state: snapshot([message('a1', 'assistant', 'ok', { sources: [hostile] })]) });
    const chip = root.querySelector('.source-chip');
    assert.equal(chip?.textContent, '<img src=x onerror="window.__pwned=1">.ts:1-2');
    assert.equal(root.querySelectorAll('.sources img').length, 0);
  });

  test('the chips stay while the answer streams and come with its end', () => {
    const { view, root } = mountChatView();
    // The state sent before the first token already carries the answer's sources.
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'q'), message('a1', 'assistant', '', { status: 'streaming', sources: [csv] })], { streamingId: 'a1' }) });
    view.handle({ type: 'streamStart', messageId: 'a1', parentId: 'u1', badge: { tier: 'code', model: 'm', reasons: [] } });
    view.handle({ type: 'streamChunk', messageId: 'a1', text: 'Partial' });
    assert.equal(root.querySelectorAll('article[data-id="a1"] .source-chip').length, 1, 'kept by streamStart');
    view.handle({ type: 'streamEnd', messageId: 'a1', status: 'complete', figures: undefined, contextReport: 'ctx', sources: [csv, selection] });
    assert.equal(root.querySelectorAll('article[data-id="a1"] .source-chip').length, 2, 'the end brings them all');
  });

  test('the codebase toggle: hidden without an index, shows on/off, a click flips it and tells the host', () => {
    const { view, root, posted } = mountChatView();
    view.handle({ type: 'state', state: snapshot([]) });
    const toggle = root.querySelector<HTMLButtonElement>('button.codebase-toggle');
    assert.ok(toggle);
    assert.equal(toggle.hidden, true, 'no index: no toggle');
    view.handle({ type: 'state', state: snapshot([], { codebase: true }) });
    assert.equal(toggle.hidden, false);
    assert.equal(toggle.getAttribute('aria-pressed'), 'true');
    assert.match(toggle.title, /names code or asks where, how or why/);
    toggle.click();
    assert.deepEqual(posted.at(-1), { type: 'setCodebase', enabled: false });
    assert.equal(toggle.getAttribute('aria-pressed'), 'false', 'shown at once');
    view.handle({ type: 'state', state: snapshot([], { codebase: false }) });
    toggle.click();
    assert.deepEqual(posted.at(-1), { type: 'setCodebase', enabled: true });
  });

  test('the answer actions are one list: each is a button under a finished answer posting its message', () => {
    const { view, root, posted } = mountChatView();
    view.handle({ type: 'state', state: snapshot([message('u1', 'user', 'q'), message('a1', 'assistant', 'ok')]) });
    const buttons = [...root.querySelectorAll<HTMLButtonElement>('article[data-id="a1"] .message-actions button')];
    assert.deepEqual(buttons.map((b) => b.textContent), ANSWER_ACTIONS.map((a) => a.label));
    const click = (label: string) => buttons.find((b) => b.textContent === label)?.click();
    click('Save prompt');
    assert.deepEqual(posted.at(-1), { type: 'savePrompt', messageId: 'a1' });
    click('Good: test it');
    assert.deepEqual(posted.at(-1), { type: 'saveAsTestCase', messageId: 'a1', rating: 'liked' });
    click('Bad: test it');
    assert.deepEqual(posted.at(-1), { type: 'saveAsTestCase', messageId: 'a1', rating: 'disliked' });
  });
});
