import * as assert from 'node:assert/strict';
import { matchPrompts, slashQuery } from '../../../src/webview/app/slashMenu';
import { parseWebviewMessage, type PromptMenuItem } from '../../../src/webview/protocol';
import { loadMarked, mountChatView, snapshot } from './chatViewKit';

function item(name: string, extra: Partial<PromptMenuItem> = {}): PromptMenuItem {
  return { id: `builtin:${name.toLowerCase()}`, name, description: '', source: 'builtin', tier: 'auto', favorite: false, usageCount: 0, inputs: [], error: undefined, ...extra };
}

const library: PromptMenuItem[] = [
  item('Review', { usageCount: 3, tier: 'moe', description: 'Finds problems in the code' }),
  item('Explain', { tier: 'small', description: 'Explains what the code does' }),
  item('Write Tests', { source: 'workspace', id: 'workspace:/w/write-tests.prompt.md', inputs: ['framework'] }),
  item('Document'),
  item('Find Bugs', { favorite: true }),
  item('broken', { source: 'workspace', id: 'workspace:/w/broken.prompt.md', error: 'line 3: front matter: tier must be one of small, code, moe, auto' }),
];

const names = (query: string): string[] => matchPrompts(library, query).map((m) => m.prompt.name);

const state = snapshot([], { conversations: [], activeId: undefined, title: '' });

function setup() {
  // Frames are queued and never run: the menu does not depend on them.
  const mounted = mountChatView({ frames: 'queued' });
  const { dom, view, root, input } = mounted;
  view.handle({ type: 'state', state });
  input.focus();
  const type = (text: string) => {
    input.value = text;
    input.dispatchEvent(new dom.window.Event('input', { bubbles: true }));
  };
  const key = (k: string, init: Partial<KeyboardEventInit> = {}) =>
    input.dispatchEvent(new dom.window.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }));
  const menu = () => root.querySelector('[role="listbox"]') as HTMLElement | null;
  const options = () => [...root.querySelectorAll('[role="listbox"] [role="option"]')] as HTMLElement[];
  const activeOption = () => {
    const id = input.getAttribute('aria-activedescendant');
    return id ? (dom.window.document.getElementById(id) as HTMLElement | null) : null;
  };
  return { ...mounted, type, key, menu, options, activeOption };
}

suite('chat / menu: matching', () => {
  test('only a message box that starts with / is a command', () => {
    assert.equal(slashQuery('/exp'), 'exp');
    assert.equal(slashQuery('/'), '');
    assert.equal(slashQuery('hello /exp'), undefined);
    assert.equal(slashQuery(' /exp'), undefined);
  });

  test('an empty query lists every prompt, favorites first, then the host order, malformed last', () => {
    assert.deepEqual(names(''), ['Find Bugs', 'Review', 'Explain', 'Write Tests', 'Document', 'broken']);
  });

  test('name prefix before word prefix before substring before description before in-order letters', () => {
    assert.deepEqual(names('ex'), ['Explain']);
    assert.deepEqual(names('te'), ['Write Tests']);
    assert.deepEqual(names('TESTS'), ['Write Tests']);
    // "doc": Document by name, then Explain / Review by description? neither says "doc"; only the name matches.
    assert.deepEqual(names('doc'), ['Document']);
    // "code": no name contains it; the descriptions of Review and Explain do (host order kept).
    assert.deepEqual(names('code'), ['Review', 'Explain']);
    // "fb": the letters of Find Bugs in order.
    assert.deepEqual(names('fb'), ['Find Bugs']);
    assert.deepEqual(names('zzz'), []);
    // A word that is a prefix of one name and a substring of another: the prefix wins.
    assert.deepEqual(names('e').slice(0, 1), ['Explain']);
  });

  test('the full name followed by text keeps that text as extra instructions; - and _ stand for spaces', () => {
    const [first] = matchPrompts(library, 'explain focus on the error handling');
    assert.equal(first?.prompt.name, 'Explain');
    assert.equal(first?.extra, 'focus on the error handling');
    assert.deepEqual(
      matchPrompts(library, 'write-tests with mocha').map((m) => [m.prompt.name, m.extra]),
      [['Write Tests', 'with mocha']],
    );
    assert.equal(matchPrompts(library, 'writetests')[0]?.prompt.name, 'Write Tests');
    assert.equal(matchPrompts(library, 'Write Tests')[0]?.extra, undefined);
    // Not the whole name: no extra, and "explainer" is not "Explain" + "er".
    assert.deepEqual(names('explainer'), []);
  });

  test('malformed prompts match by name only, come last, and never carry extra text', () => {
    const matches = matchPrompts(library, 'broken now');
    assert.deepEqual(matches.map((m) => [m.prompt.name, m.extra]), [['broken', undefined]]);
    // Even after a match by description (Review's "problems"), the malformed one comes last.
    assert.deepEqual(names('b'), ['Find Bugs', 'Review', 'broken']);
  });
});

suite('chat / menu: in the chat view', () => {
  suiteSetup(async () => {
    await loadMarked();
  });

  test('typing / opens a listbox, asks the host for the prompts, and shows them with source, tier and usage', () => {
    const { view, posted, type, menu, options, input } = setup();
    assert.equal(menu(), null, 'no menu before the first /');
    type('/');
    assert.deepEqual(posted, [{ type: 'listPrompts' }]);
    assert.equal(menu()?.hidden, false);
    assert.match(options()[0]?.textContent ?? '', /Loading saved prompts/);
    view.handle({ type: 'prompts', prompts: library });
    const rows = options();
    assert.equal(rows.length, library.length);
    assert.match(rows[0]?.textContent ?? '', /★ \/Find Bugs/);
    assert.match(rows[1]?.textContent ?? '', /\/Review.*built-in · moe tier · 3×.*Finds problems in the code/);
    assert.match(rows[3]?.textContent ?? '', /workspace · asks framework/);
    assert.equal(input.getAttribute('aria-controls'), menu()?.id);
    assert.equal(input.getAttribute('aria-activedescendant'), rows[0]?.id, 'the first prompt is active');
    assert.equal(rows[0]?.getAttribute('aria-selected'), 'true');
    // The menu sits above the message box, in the composer.
    assert.equal(menu()?.nextElementSibling, input);
    type('/rev');
    assert.equal(posted.filter((m) => m.type === 'listPrompts').length, 1, 'asked once per opening');
    assert.deepEqual(options().map((o) => o.querySelector('.slash-name')?.textContent), ['/Review']);
  });

  test('Enter runs the chosen prompt instead of sending /… as a message, and clears the box', () => {
    const { view, posted, saved, type, key, input, menu } = setup();
    type('/');
    view.handle({ type: 'prompts', prompts: library });
    type('/explain focus on errors');
    key('Enter');
    assert.deepEqual(posted.slice(1), [{ type: 'runPrompt', promptId: 'builtin:explain', name: 'Explain', extra: 'focus on errors' }]);
    assert.ok(!posted.some((m) => m.type === 'send'), 'the raw command was not sent');
    assert.equal(input.value, '');
    assert.equal(saved.at(-1)?.draft, '', 'the emptied draft is saved');
    assert.equal(menu()?.hidden, true);
    // What the webview posts passes the host's validation.
    for (const m of posted) {
      assert.ok(parseWebviewMessage(m).ok, JSON.stringify(m));
    }
  });

  test('Up/Down move over runnable prompts only (wrapping), Tab runs the active one', () => {
    const { view, posted, type, key, activeOption } = setup();
    type('/');
    view.handle({ type: 'prompts', prompts: library });
    assert.match(activeOption()?.textContent ?? '', /Find Bugs/);
    key('ArrowDown');
    assert.match(activeOption()?.textContent ?? '', /Review/);
    key('ArrowUp');
    key('ArrowUp');
    // Wrapped past the top onto the last runnable prompt: the malformed one is skipped.
    assert.match(activeOption()?.textContent ?? '', /Document/);
    key('ArrowDown');
    assert.match(activeOption()?.textContent ?? '', /Find Bugs/);
    key('ArrowDown');
    key('ArrowDown');
    key('Tab');
    assert.deepEqual(posted.at(-1), { type: 'runPrompt', promptId: 'builtin:explain', name: 'Explain' });
  });

  test('a click runs the prompt; a malformed one is shown disabled with its error and does not run', () => {
    const { dom, view, posted, type, options } = setup();
    type('/');
    view.handle({ type: 'prompts', prompts: library });
    type('/b');
    const bad = options().find((o) => /broken/.test(o.textContent ?? ''));
    assert.equal(bad?.getAttribute('aria-disabled'), 'true');
    assert.match(bad?.textContent ?? '', /cannot run: line 3: front matter: tier/);
    bad?.querySelector('.slash-name')?.dispatchEvent(new dom.window.MouseEvent('click', { bubbles: true }));
    assert.ok(!posted.some((m) => m.type === 'runPrompt'), 'the malformed prompt did not run');
    const bugs = options().find((o) => /Find Bugs/.test(o.textContent ?? ''));
    bugs?.querySelector('.slash-meta')?.dispatchEvent(new dom.window.MouseEvent('click', { bubbles: true }));
    assert.deepEqual(posted.at(-1), { type: 'runPrompt', promptId: 'builtin:find bugs', name: 'Find Bugs' });
  });

  test('no match says so, and Enter then sends the text as an ordinary message', () => {
    const { view, posted, type, key, options } = setup();
    type('/');
    view.handle({ type: 'prompts', prompts: library });
    type('/usr/bin/env is what?');
    assert.deepEqual(options().map((o) => o.textContent), ['No saved prompt matches']);
    assert.equal(options()[0]?.getAttribute('aria-disabled'), 'true');
    key('Enter');
    assert.deepEqual(posted.at(-1), { type: 'send', text: '/usr/bin/env is what?' });
  });

  test('Esc closes the menu without stopping a running answer; Enter then sends the text as typed', () => {
    const { view, posted, type, key, menu } = setup();
    view.handle({ type: 'state', state: { ...state, streamingId: 'a1' } });
    type('/');
    view.handle({ type: 'prompts', prompts: library });
    type('/review');
    key('Escape');
    assert.equal(menu()?.hidden, true);
    assert.ok(!posted.some((m) => m.type === 'stop'), 'Esc only closed the menu');
    type('/review x');
    assert.equal(menu()?.hidden, true, 'stays closed while the text is still a command');
    key('Escape');
    assert.ok(posted.some((m) => m.type === 'stop'), 'a second Esc stops the answer');
    view.handle({ type: 'state', state });
    key('Enter');
    assert.deepEqual(posted.at(-1), { type: 'send', text: '/review x' });
    type('');
    type('/');
    assert.equal(menu()?.hidden, false, 'a new command opens the menu again');
  });

  test('Enter before the list arrives sends nothing; a list update keeps the active prompt', () => {
    const { view, posted, type, key, activeOption } = setup();
    type('/ex');
    key('Enter');
    assert.deepEqual(posted, [{ type: 'listPrompts' }]);
    view.handle({ type: 'prompts', prompts: library });
    assert.match(activeOption()?.textContent ?? '', /Explain/);
    type('/e');
    key('ArrowDown');
    const chosen = activeOption()?.textContent ?? '';
    view.handle({ type: 'prompts', prompts: [item('Extra'), ...library] });
    assert.equal(activeOption()?.textContent, chosen);
  });

  test('Shift+Enter still adds a line while the menu is open', () => {
    const { view, posted, type, key } = setup();
    type('/');
    view.handle({ type: 'prompts', prompts: library });
    key('Enter', { shiftKey: true });
    assert.deepEqual(posted, [{ type: 'listPrompts' }]);
  });
});

suite('chat / menu: protocol validation at the host', () => {
  test('accepts listPrompts and runPrompt with or without extra text', () => {
    for (const m of [
      { type: 'listPrompts' },
      { type: 'runPrompt', promptId: 'builtin:explain', name: 'Explain' },
      { type: 'runPrompt', promptId: `workspace:/${'d/'.repeat(1000)}x.prompt.md`, name: 'X', extra: 'focus on errors' },
    ]) {
      const parsed = parseWebviewMessage(m);
      assert.ok(parsed.ok, JSON.stringify(m).slice(0, 80));
      assert.deepEqual(parsed.message, m);
    }
  });

  test('rejects malformed runPrompt messages with a reason', () => {
    const invalid: Array<[unknown, RegExp]> = [
      [{ type: 'runPrompt', name: 'Explain' }, /promptId/],
      [{ type: 'runPrompt', promptId: '', name: 'Explain' }, /promptId/],
      [{ type: 'runPrompt', promptId: 'x'.repeat(4097), name: 'Explain' }, /promptId/],
      [{ type: 'runPrompt', promptId: 'builtin:explain' }, /name/],
      [{ type: 'runPrompt', promptId: 'builtin:explain', name: 'x'.repeat(201) }, /name/],
      [{ type: 'runPrompt', promptId: 'builtin:explain', name: 'Explain', extra: 42 }, /extra/],
      [{ type: 'runPrompt', promptId: 'builtin:explain', name: 'Explain', extra: 'x'.repeat(20_001) }, /extra/],
    ];
    for (const [data, reason] of invalid) {
      const parsed = parseWebviewMessage(data);
      assert.ok(!parsed.ok && reason.test(parsed.reason), `${JSON.stringify(data).slice(0, 80)} -> ${parsed.ok ? 'accepted' : parsed.reason}`);
    }
  });
});
