import * as assert from 'node:assert/strict';
import { approximateCounter } from '../../../../src/context/tokenCounter';
import { FrozenRepoContext, mergeStable } from '../../../../src/completion/repoContext/freeze';
import { contextKey, selectRepoContext } from '../../../../src/completion/repoContext/select';
import type { ChosenContext, ChosenSnippet } from '../../../../src/completion/repoContext/types';

const counter = approximateCounter();

function snippet(path: string, startLine: number, lines: number, score: number, tokens = 20): ChosenSnippet {
  const text = Array.from({ length: lines }, (_, i) => `${path} line ${startLine + i}`).join('\n');
  return { path, startLine, endLine: startLine + lines - 1, text, source: 'definition', tokens, score, why: 'test' };
}

function context(snippets: ChosenSnippet[], budgetTokens = 100): ChosenContext {
  return { snippets, tokens: snippets.reduce((n, s) => n + s.tokens, 0), budgetTokens, key: contextKey(snippets) };
}

const ids = (c: ChosenContext): string[] => c.snippets.map((s) => `${s.path}:${s.startLine}`);

suite('repoContext stable merge (prompt start kept across a refresh)', () => {
  test('the snippets that stay keep their place at the front; the new ones come last', () => {
    const a = snippet('a.ts', 0, 3, 1);
    const b = snippet('b.ts', 0, 3, 2);
    const c = snippet('c.ts', 0, 3, 3);
    // A fresh choice would order them by relevance (c before a); the merge keeps a, b where they were.
    const merged = mergeStable(context([a, b]), context([c, a, b]));
    assert.deepEqual(ids(merged), ['a.ts:0', 'b.ts:0', 'c.ts:0']);
    assert.equal(merged.tokens, 60);
    assert.equal(merged.key, contextKey(merged.snippets));
  });

  test('over the budget, old snippets the new choice no longer wants give way first, the last of them first', () => {
    const a = snippet('a.ts', 0, 3, 1);
    const b = snippet('b.ts', 0, 3, 1);
    const d = snippet('d.ts', 0, 3, 1);
    const c = snippet('c.ts', 0, 3, 3);
    // b and d are not wanted any more: d (the later one) goes first, and b stays while it fits.
    assert.deepEqual(ids(mergeStable(context([a, b, d], 60), context([a, c], 60))), ['a.ts:0', 'b.ts:0', 'c.ts:0']);
    const merged = mergeStable(context([a, b, d], 50), context([a, c], 50));
    assert.deepEqual(ids(merged), ['a.ts:0', 'c.ts:0']);
    assert.ok(merged.tokens <= 50);
  });

  test('a new declaration that holds an old one-line snippet replaces it', () => {
    const member = snippet('m.ts', 12, 1, 2);
    const a = snippet('a.ts', 0, 3, 1);
    const whole = { ...snippet('m.ts', 9, 7, 3), text: Array.from({ length: 7 }, (_, i) => `m.ts line ${9 + i}`).join('\n') };
    const merged = mergeStable(context([a, member]), context([a, whole]));
    assert.deepEqual(ids(merged), ['a.ts:0', 'm.ts:9']);
  });

  test('a refresh that only brings what the held snippets already contain keeps the old context (same object, same key)', () => {
    const frozen = new FrozenRepoContext();
    const whole = snippet('m.ts', 9, 7, 3);
    const first = frozen.accept('doc', context([snippet('a.ts', 0, 3, 1), whole]), 'first');
    frozen.markStale('doc', 'pause');
    const kept = frozen.accept('doc', context([snippet('m.ts', 12, 1, 5)]), 'refreshed');
    assert.equal(kept, first);
  });

  test('a refresh that only brings a lone line (a type member) keeps the context: not worth a full re-read', () => {
    const frozen = new FrozenRepoContext();
    const first = frozen.accept('doc', context([snippet('a.ts', 0, 3, 1)]), 'first');
    frozen.markStale('doc', 'pause');
    assert.equal(frozen.accept('doc', context([snippet('a.ts', 0, 3, 1), snippet('m.ts', 18, 1, 5)]), 'refreshed'), first);
    frozen.markStale('doc', 'pause');
    assert.notEqual(frozen.accept('doc', context([snippet('a.ts', 0, 3, 1), snippet('m.ts', 18, 2, 5)]), 'refreshed'), first);
  });

  test('a refresh with a new relevant snippet appends it: the old context is a prefix of the new one', () => {
    const frozen = new FrozenRepoContext();
    const a = snippet('a.ts', 0, 3, 1);
    const b = snippet('b.ts', 0, 3, 2);
    frozen.accept('doc', context([a, b]), 'first');
    frozen.markStale('doc', 'pause');
    const next = frozen.accept('doc', context([snippet('c.ts', 0, 3, 4), b]), 'refreshed');
    assert.deepEqual(ids(next), ['a.ts:0', 'b.ts:0', 'c.ts:0']);
  });
});

suite('repoContext selection folds members into their declaration', () => {
  test('a definition of a property inside an imported interface is folded into the interface', () => {
    const models = ['export interface LineItem {', '  readonly sku: string;', '  readonly quantity: number;', '  readonly unitPriceCents: number;', '}', ''].join('\n');
    const text = ["import type { LineItem } from './models';", '', 'export function lineNet(line: LineItem): number {', '  return line.quantity * line.unitPriceCents'].join('\n');
    const chosen = selectRepoContext({
      currentPath: 'src/report.ts',
      text,
      offset: text.length,
      definitions: [
        { path: 'src/models.ts', startLine: 2, text: '  readonly quantity: number;', source: 'definition', symbol: 'quantity' },
        { path: 'src/models.ts', startLine: 3, text: '  readonly unitPriceCents: number;', source: 'definition', symbol: 'unitPriceCents' },
      ],
      importedFiles: [{ path: 'src/models.ts', text: models, names: ['LineItem'] }],
      recent: [],
      budgetTokens: 200,
      counter,
    });
    assert.deepEqual(
      chosen.snippets.map((s) => `${s.path}:${s.startLine}-${s.endLine}`),
      ['src/models.ts:0-4'],
    );
    // It carries the member's (higher) relevance and reason.
    assert.match(chosen.snippets[0]?.why ?? '', /unitPriceCents|quantity/);
  });
});
