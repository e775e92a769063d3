import * as assert from 'node:assert/strict';
import { isTieredError } from '../../../src/backend/errors';
import type { ContextItem, ContextItemKind } from '../../../src/context/items';
import { fenceFor } from '../../../src/context/items';
import { layoutPrompt } from '../../../src/context/layout';
import { sharedPrefixTokens } from '../../../src/context/prefixSharing';
import { approximateCounter, tiktokenCounter } from '../../../src/context/tokenCounter';
import type { TokenCounter } from '../../../src/context/tokenCounter';
import { pick, seededRandom, syntheticCode } from './helpers';

const counter = tiktokenCounter();

function fn(name: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `export function ${name}${i}(x: number): number { return x + ${i}; }`).join('\n');
}

/** A realistic request: instructions, a pinned symbol, five ranked files, the cursor window and a question. */
function realistic(): ContextItem[] {
  return [
    { kind: 'question', id: 'q', text: 'Why does parseAmount return NaN for "1,5"?' },
    { kind: 'supporting', id: 'src/format.ts', title: 'src/format.ts', text: fn('format', 20), rank: 0.5, language: 'ts' },
    { kind: 'instructions', id: 'system', text: 'You are a careful coding assistant. Answer with code when useful.' },
    { kind: 'supporting', id: 'src/locale.ts', title: 'src/locale.ts', text: fn('locale', 20), rank: 0.9, language: 'ts' },
    { kind: 'supporting', id: 'src/log.ts', title: 'src/log.ts', text: fn('log', 20), rank: 0.1, language: 'ts' },
    { kind: 'supporting', id: 'src/cache.ts', title: 'src/cache.ts', text: fn('cache', 20), rank: 0.3, language: 'ts' },
    { kind: 'supporting', id: 'src/number.ts', title: 'src/number.ts', text: fn('number', 20), rank: 0.7, language: 'ts' },
    { kind: 'pinned', id: 'src/parse.ts#parseAmount', title: 'src/parse.ts', text: fn('parseAmount', 5), language: 'ts' },
    { kind: 'cursor', id: 'cursor', title: 'src/main.ts', text: fn('main', 6), focusLine: 3, language: 'ts' },
  ];
}

function positionOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `missing ${needle}`);
  return i;
}

function assertWithin(text: string, tokens: number, budget: number, c: TokenCounter = counter): void {
  assert.equal(c.count(text), tokens, 'reported tokens must be the count of the text');
  assert.ok(tokens <= budget, `${tokens} tokens exceed the budget ${budget}`);
}

suite('context/layout', () => {
  test('golden: a small prompt renders exactly, instructions first and the question last', () => {
    const items: ContextItem[] = [
      { kind: 'question', id: 'q', text: 'What does add do?' },
      { kind: 'supporting', id: 'b', title: 'src/b.ts', text: 'export const b = 2;', rank: 1 },
      { kind: 'instructions', id: 'i', text: 'Be brief.' },
      { kind: 'cursor', id: 'c', title: 'src/a.ts', text: 'function add(a, b) {\n  return a + b;\n}', language: 'js' },
    ];
    const result = layoutPrompt(items, 1000, counter);
    assert.equal(
      result.text,
      'Be brief.\n\nFile: src/b.ts\n```\nexport const b = 2;\n```\n\nCode at the cursor: src/a.ts\n```js\nfunction add(a, b) {\n  return a + b;\n}\n```\n\nWhat does add do?',
    );
    assert.deepEqual(
      result.segments.map((s) => [s.id, s.start]),
      [
        ['i', 0],
        ['b', 11],
        ['c', 55],
        ['q', 134],
      ],
    );
    assert.equal(result.text.slice(134), 'What does add do?');
    assert.equal(result.report.summary, '2 files');
    assertWithin(result.text, result.tokens, 1000);
  });

  test('key code at the edges, supporting context in the middle with the most relevant nearest the end', () => {
    const result = layoutPrompt(realistic(), 4000, counter);
    const t = result.text;
    assert.ok(t.startsWith('You are a careful coding assistant.'));
    assert.ok(t.endsWith('Why does parseAmount return NaN for "1,5"?'));
    const order = ['parseAmount0', 'log0', 'cache0', 'format0', 'number0', 'locale0', 'main0'].map((n) => positionOf(t, `function ${n}(`));
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'pinned, then supporting by ascending rank, then the cursor');
    assert.equal(result.report.dropped, 0);
    assert.equal(result.report.summary, '7 files');
    assertWithin(t, result.tokens, 4000);
  });

  test('over budget: the lowest-ranked middle goes first, the boundary item is trimmed visibly, the edges stay whole', () => {
    const full = layoutPrompt(realistic(), 100_000, counter);
    const budget = full.tokens - 900;
    const result = layoutPrompt(realistic(), budget, counter);
    assertWithin(result.text, result.tokens, budget);
    const seg = new Map(result.segments.map((s) => [s.id, s]));
    assert.equal(seg.get('src/log.ts')?.dropped, true, 'rank 0.1 dropped');
    assert.equal(seg.get('src/cache.ts')?.dropped, true, 'rank 0.3 dropped');
    assert.equal(seg.get('src/format.ts')?.trimmed, true, 'rank 0.5 trimmed');
    for (const id of ['src/number.ts', 'src/locale.ts', 'system', 'src/parse.ts#parseAmount', 'cursor', 'q']) {
      assert.equal(seg.get(id)?.trimmed, false, `${id} intact`);
      assert.equal(seg.get(id)?.dropped, false, `${id} present`);
    }
    assert.match(result.text, /… \[\d+ lines cut\] …/);
    assert.equal(result.report.summary, '5 files, 1 trimmed, 2 dropped');
    assert.deepEqual(result.report.droppedIds, ['src/log.ts', 'src/cache.ts']);
    assert.deepEqual(result.report.byKind.supporting, { included: 3, trimmed: 1, dropped: 2 });
    assert.equal(result.report.edgesCut, false);
  });

  test('a trimmed item keeps the lines nearest its focus line', () => {
    const text = fn('f', 40);
    const items: ContextItem[] = [
      { kind: 'question', id: 'q', text: 'Q?' },
      { kind: 'supporting', id: 's', title: 'big.ts', text, rank: 1, focusLine: 30 },
    ];
    const result = layoutPrompt(items, 150, counter);
    assertWithin(result.text, result.tokens, 150);
    assert.ok(result.text.includes('function f30('), 'focus line kept');
    assert.ok(result.text.includes('function f29(') && result.text.includes('function f31('), 'its neighbours kept');
    assert.ok(!result.text.includes('function f0('), 'far lines cut');
    assert.match(result.text, /… \[\d+ lines cut\] …\nexport function f/);
  });

  test('edges over budget: the middle is dropped, pinned code is cut visibly, the question survives', () => {
    const items = realistic();
    const result = layoutPrompt(items, 160, counter);
    assertWithin(result.text, result.tokens, 160);
    assert.equal(result.report.byKind.supporting.dropped, 5);
    assert.ok(result.report.edgesCut);
    assert.ok(result.text.endsWith('Why does parseAmount return NaN for "1,5"?'));
    assert.ok(result.text.startsWith('You are a careful coding assistant.'));
    assert.match(result.text, /cut\] …/);
  });

  test('a budget too small for even the markers is a typed contextOverflow error', () => {
    assert.throws(
      () => layoutPrompt(realistic(), 10, counter),
      (e: unknown) => isTieredError(e, 'contextOverflow') && /too small/.test(e.message),
    );
  });

  test('identical inputs give identical bytes, whatever the input order of the middle', () => {
    const a = layoutPrompt(realistic(), 900, counter);
    const b = layoutPrompt(realistic(), 900, counter);
    const shuffled = [...realistic()].reverse();
    const c = layoutPrompt(shuffled, 900, counter);
    assert.equal(a.text, b.text);
    assert.equal(a.text, c.text);
    // Ties in rank are broken by id.
    const tie: ContextItem[] = ['z', 'a', 'm'].map((id) => ({ kind: 'supporting', id, title: id, text: `${id} text`, rank: 1 }));
    const t1 = layoutPrompt(tie, 500, counter).text;
    const t2 = layoutPrompt([...tie].reverse(), 500, counter).text;
    assert.equal(t1, t2);
    assert.ok(t1.indexOf('a text') < t1.indexOf('m text') && t1.indexOf('m text') < t1.indexOf('z text'));
  });

  test('stable prefix: a new question shares almost the whole prompt with the previous one', () => {
    const first = layoutPrompt(realistic(), 4000, counter);
    const next = realistic().map((i) => (i.kind === 'question' ? { ...i, text: 'And what about "2.5"?' } : i));
    const second = layoutPrompt(next, 4000, counter);
    const share = sharedPrefixTokens(first.text, second.text, counter);
    assert.ok(share.ratio > 0.95, `ratio ${share.ratio}`);
  });

  test('middleOrder "stable" orders supporting items by id', () => {
    const result = layoutPrompt(realistic(), 4000, counter, { middleOrder: 'stable' });
    const order = ['cache0', 'format0', 'locale0', 'log0', 'number0'].map((n) => positionOf(result.text, `function ${n}(`));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
  });

  test('bad input: empty, CRLF, NULs, emoji, lone surrogates and a 1 MB single line stay within budget', () => {
    assert.equal(layoutPrompt([], 100, counter).text, '');
    assert.equal(layoutPrompt([{ kind: 'question', id: 'q', text: '' }], 0, counter).tokens, 0);
    const minified = 'var a=1;function b(c){return c*2}'.repeat(30_000);
    const items: ContextItem[] = [
      { kind: 'instructions', id: 'i', text: 'Line one\r\nLine two\r\n' },
      { kind: 'supporting', id: 'bin', title: 'blob.bin', text: '\u0000\u0001\u0002binary\u0000'.repeat(500), rank: 0.2 },
      { kind: 'supporting', id: 'emoji', title: 'emoji.md', text: '👋🏽 hi 😀\n'.repeat(300) + '\ud800 lone', rank: 0.4 },
      { kind: 'supporting', id: 'min', title: 'app.min.js', text: minified, rank: 0.9 },
      { kind: 'cursor', id: 'c', title: 'app.min.js', text: minified },
      { kind: 'question', id: 'q', text: 'What is this? 🤔' },
    ];
    for (const budget of [60, 300, 2000, 8000]) {
      const result = layoutPrompt(items, budget, counter);
      assertWithin(result.text, result.tokens, budget);
      assert.ok(result.text.endsWith('What is this? 🤔'));
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(result.text.replace('\ud800 lone', '')), 'no surrogate pair split by a cut');
      assert.ok(result.text.includes('Line one\r\nLine two'), 'CRLF kept');
    }
  });

  test('a fence longer than any backtick run inside the code', () => {
    assert.equal(fenceFor('no ticks'), '```');
    assert.equal(fenceFor('has ``` inside'), '````');
    const result = layoutPrompt([{ kind: 'pinned', id: 'p', title: 'README.md', text: 'x\n```\ny' }], 100, counter);
    assert.ok(result.text.startsWith('File: README.md\n````\n'));
  });

  test('property: random items and budgets never exceed the budget (approximate and tiktoken counters)', () => {
    const kinds: ContextItemKind[] = ['instructions', 'pinned', 'supporting', 'supporting', 'supporting', 'history', 'selection', 'cursor', 'question'];
    const approx = approximateCounter();
    let layouts = 0;
    let errors = 0;
    for (let seed = 1; seed <= 250; seed++) {
      const rand = seededRandom(seed);
      const c = seed % 5 === 0 ? counter : approx;
      const n = 1 + Math.floor(rand() * 14);
      const items: ContextItem[] = [];
      for (let i = 0; i < n; i++) {
        const kind = pick(rand, kinds);
        const lines = Math.floor(rand() * 80);
        let text = syntheticCode(lines, seed * 100 + i);
        if (rand() < 0.1) {
          text = text.replace(/\n/g, '\r\n');
        }
        if (rand() < 0.05) {
          text += 'x'.repeat(Math.floor(rand() * 20_000));
        }
        if (rand() < 0.05) {
          text += '😀\u0000\ud800';
        }
        items.push({ kind, id: `item${i}`, title: rand() < 0.8 ? `src/f${i}.ts` : undefined, text, rank: Math.floor(rand() * 5), focusLine: rand() < 0.5 ? Math.floor(rand() * lines) : undefined });
      }
      const budget = Math.floor(rand() * rand() * 3000);
      try {
        const result = layoutPrompt(items, budget, c);
        assertWithin(result.text, result.tokens, budget, c);
        assert.equal(layoutPrompt(items, budget, c).text, result.text, 'deterministic');
        const q = items.filter((i) => i.kind === 'question').at(-1);
        if (q !== undefined && q.text.length > 0 && !result.report.edgesCut) {
          assert.ok(result.text.endsWith(q.text), 'the question is last');
        }
        layouts += 1;
      } catch (e) {
        assert.ok(isTieredError(e, 'contextOverflow'), `unexpected error ${String(e)}`);
        assert.ok(budget < 200, `overflow error at a roomy budget ${budget}`);
        errors += 1;
      }
    }
    assert.ok(layouts > 200, `only ${layouts} layouts (${errors} too-small budgets)`);
  });
});
