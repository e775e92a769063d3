import * as assert from 'node:assert/strict';
import { DefinitionCache, symbolsNearCursor } from '../../../../src/completion/repoContext/definitions';
import type { SnippetCandidate } from '../../../../src/completion/repoContext/types';

suite('repoContext definitions', () => {
  test('symbolsNearCursor: nearest first, once each, no keywords, short names or names the file declares', () => {
    const text = ["import { Cart } from './cart';", 'function local() {}', '', 'const c: Cart = makeCart();', 'if (c.total(x) > LIMIT) {', '  local(); ret'].join('\n');
    const names = symbolsNearCursor(text, text.length).map((s) => s.name);
    assert.equal(names[0], 'ret');
    assert.ok(names.includes('Cart'));
    assert.ok(names.includes('makeCart'));
    assert.ok(names.includes('LIMIT'));
    assert.ok(!names.includes('local'), 'declared in the file');
    assert.ok(!names.includes('const') && !names.includes('if'), 'keywords');
    assert.ok(!names.includes('x'), 'too short');
    assert.ok(names.indexOf('LIMIT') < names.indexOf('makeCart'), 'nearer the cursor first');
  });

  test('symbolsNearCursor: the offset points at an occurrence of the name', () => {
    const text = 'const a = 1;\nconst total = computeTotal(cart);';
    for (const s of symbolsNearCursor(text, text.length)) {
      assert.equal(text.slice(s.offset, s.offset + s.name.length), s.name);
    }
  });

  test('symbolsNearCursor: at most max', () => {
    const text = Array.from({ length: 20 }, (_, i) => `useThing${i}();`).join(' ');
    assert.equal(symbolsNearCursor(text, text.length, 3).length, 3);
  });

  suite('DefinitionCache', () => {
    const snippet: SnippetCandidate = { path: 'src/cart.ts', startLine: 3, text: 'export interface Cart {}', source: 'definition', symbol: 'Cart' };

    test('a hit while the source file keeps its version; a miss once it changes', () => {
      const cache = new DefinitionCache();
      const versions = new Map([['file:///src/cart.ts', 4]]);
      cache.set('file:///src/app.ts', 'Cart', [snippet], new Map([['file:///src/cart.ts', 4]]));
      assert.deepEqual(cache.get('file:///src/app.ts', 'Cart', (id) => versions.get(id)), [snippet]);
      versions.set('file:///src/cart.ts', 5);
      assert.equal(cache.get('file:///src/app.ts', 'Cart', (id) => versions.get(id)), undefined);
      assert.equal(cache.size, 0);
    });

    test('per document and symbol; empty answers are remembered', () => {
      const cache = new DefinitionCache();
      cache.set('a', 'Nothing', [], new Map());
      assert.deepEqual(cache.get('a', 'Nothing', () => undefined), []);
      assert.equal(cache.get('b', 'Nothing', () => undefined), undefined);
    });

    test('bounded: the least recently used entry goes first', () => {
      const cache = new DefinitionCache(2);
      cache.set('d', 'A', [snippet], new Map());
      cache.set('d', 'B', [snippet], new Map());
      cache.get('d', 'A', () => undefined);
      cache.set('d', 'C', [snippet], new Map());
      assert.equal(cache.size, 2);
      assert.equal(cache.get('d', 'B', () => undefined), undefined);
      assert.ok(cache.get('d', 'A', () => undefined));
      assert.deepEqual(cache.snippetsFor('d', ['A', 'C', 'Z'], () => undefined).length, 2);
    });
  });
});
