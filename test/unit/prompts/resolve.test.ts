import * as assert from 'node:assert/strict';
import { promptContextItems, resolvePrompt, routeCodeOf } from '../../../src/prompts/resolve';
import type { UsablePromptEntry } from '../../../src/prompts/types';

function entry(body: string, extra: Partial<UsablePromptEntry['definition']> = {}): UsablePromptEntry {
  return { id: 'user:/u/p.prompt.md', source: 'user', name: 'P', file: '/u/p.prompt.md', problems: [], definition: { name: 'P', description: '', tier: 'moe', variables: [], body, ...extra } };
}

suite('prompts: resolving for a run', () => {
  test('the selection is attached after the instructions when the body does not place it', () => {
    const r = resolvePrompt(entry('Review this ${language} code for ${input:focus}.', { model: 'qwen3:30b-a3b' }), { selection: 'let a = 1;\nlet b = 2;', language: 'javascript', file: 'src/a.js', fileContent: 'ignored' }, new Map([['focus', 'bugs']]));
    assert.equal(r.text, 'Review this javascript code for bugs.');
    assert.equal(r.tier, 'moe');
    assert.equal(r.model, 'qwen3:30b-a3b');
    assert.deepEqual(r.attachment, { text: 'let a = 1;\nlet b = 2;', language: 'javascript', isSelection: true, title: 'src/a.js' });
    const items = promptContextItems(r);
    assert.deepEqual(
      items.map((i) => [i.kind, i.text]),
      [
        ['instructions', 'Review this javascript code for bugs.'],
        ['selection', 'let a = 1;\nlet b = 2;'],
      ],
    );
    assert.deepEqual(routeCodeOf(r), { lines: 2, chars: 21, languageId: 'javascript', fileCount: 1 });
  });

  test('no selection: the whole file is attached; a body that places the code gets no attachment', () => {
    const whole = resolvePrompt(entry('Explain.'), { selection: '', fileContent: 'x = 1', language: 'python' }, new Map());
    assert.deepEqual(whole.attachment, { text: 'x = 1', language: 'python', isSelection: false });
    const inline = resolvePrompt(entry('Explain:\n${selection}'), { selection: 'x = 1', fileContent: 'x = 1' }, new Map());
    assert.equal(inline.attachment, undefined);
    assert.equal(inline.text, 'Explain:\nx = 1');
    assert.equal(promptContextItems(inline).length, 1);
    assert.equal(routeCodeOf(inline), undefined);
  });
});
