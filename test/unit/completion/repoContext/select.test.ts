import * as assert from 'node:assert/strict';
import { approximateCounter } from '../../../../src/context/tokenCounter';
import { importCandidates, selectRepoContext } from '../../../../src/completion/repoContext/select';
import type { RepoContextInput } from '../../../../src/completion/repoContext/select';
import type { SnippetCandidate } from '../../../../src/completion/repoContext/types';

const counter = approximateCounter();

const cartFile = [
  'export interface Cart {',
  '  lines: CartLine[];',
  '  currency: string;',
  '}',
  '',
  'export interface CartLine {',
  '  sku: string;',
  '  quantity: number;',
  '  unitPrice: number;',
  '}',
  '',
  ...Array.from({ length: 40 }, (_, i) => [`export function unrelatedHelper${i}(input: string): string {`, `  return input.repeat(${i});`, '}', ''].join('\n')),
].join('\n');

const current = ["import { Cart, CartLine } from './cart';", '', 'export function addLine(cart: Cart, line: CartLine): Cart {', '  return { ...cart, lines: [...cart.lines, line] };', '}', '', 'export function lineTotal(line: CartLine): number {', '  return line.'].join('\n');

function input(overrides: Partial<RepoContextInput> = {}): RepoContextInput {
  return {
    currentPath: 'src/app.ts',
    text: current,
    offset: current.length,
    definitions: [],
    importedFiles: [{ path: 'src/cart.ts', text: cartFile, names: ['Cart', 'CartLine'] }],
    recent: [],
    budgetTokens: 300,
    counter,
    ...overrides,
  };
}

const recentNoise: SnippetCandidate[] = Array.from({ length: 6 }, (_, i) => ({
  path: `src/noise${i}.ts`,
  startLine: 0,
  text: Array.from({ length: 30 }, (_, j) => `export const setting${i}_${j} = loadSetting('key${j}');`).join('\n'),
  source: 'recent',
  recentKind: 'viewed',
  at: 100 + i,
}));

suite('repoContext select', () => {
  test('the chunk of an imported file that defines what the code near the cursor uses is chosen, with the reason', () => {
    const ctx = selectRepoContext(input({ recent: recentNoise }));
    const best = ctx.snippets[ctx.snippets.length - 1];
    assert.ok(best !== undefined);
    assert.equal(best.path, 'src/cart.ts');
    assert.match(best.text, /export interface CartLine \{/);
    assert.match(best.why, /defines (Cart|CartLine), used near the cursor/);
    assert.ok(!ctx.snippets.some((s) => s.path.startsWith('src/noise')), 'unrelated recent chunks share no identifier with the cursor');
  });

  test('the budget is never exceeded, and a snippet too long to fit whole is cut to its first lines', () => {
    for (const budget of [20, 40, 80, 160, 320]) {
      const ctx = selectRepoContext(input({ budgetTokens: budget, recent: recentNoise }));
      assert.ok(ctx.tokens <= budget, `${ctx.tokens} > ${budget}`);
      for (const s of ctx.snippets) {
        assert.equal(s.tokens, counter.count(s.text));
      }
    }
    const long: SnippetCandidate = { path: 'src/cart.ts', startLine: 0, text: ['export interface Cart {', ...Array.from({ length: 30 }, (_, i) => `  field${i}: CartLine;`), '}'].join('\n'), source: 'definition', symbol: 'Cart' };
    const tight = selectRepoContext(input({ budgetTokens: 80, definitions: [long], importedFiles: [] }));
    assert.equal(tight.snippets.length, 1);
    assert.match(tight.snippets[0]?.why ?? '', /first \d+ of 32 lines/);
    assert.ok((tight.snippets[0]?.text ?? '').startsWith('export interface Cart {\n  field0: CartLine;'));
    assert.ok((tight.snippets[0]?.tokens ?? 0) <= 80 * 0.6);
  });

  test('definitions from the language server outrank import chunks; duplicates of the same lines are dropped', () => {
    const definition: SnippetCandidate = { path: 'src/cart.ts', startLine: 5, text: cartFile.split('\n').slice(5, 10).join('\n'), source: 'definition', symbol: 'CartLine' };
    const ctx = selectRepoContext(input({ definitions: [definition] }));
    const best = ctx.snippets[ctx.snippets.length - 1];
    assert.equal(best?.source, 'definition');
    const cartLineCopies = ctx.snippets.filter((s) => s.text.includes('export interface CartLine {'));
    assert.equal(cartLineCopies.length, 1);
  });

  test('excluded files never get in, whatever their relevance', () => {
    const secret: SnippetCandidate = { path: '.env.ts', startLine: 0, text: 'export const CartLine = "sk-live-123";\nexport const Cart = 1;\nexport const x = 2;', source: 'recent', recentKind: 'copied', at: 1 };
    const ctx = selectRepoContext(input({ recent: [secret], isExcluded: (p) => p === '.env.ts' || p === 'src/cart.ts' }));
    assert.deepEqual(ctx.snippets, []);
    const allowed = selectRepoContext(input({ recent: [secret] }));
    assert.ok(allowed.snippets.some((s) => s.path === '.env.ts'), 'the same snippet gets in when not excluded (so the exclusion is what kept it out)');
  });

  test('the current file is never its own context', () => {
    const self: SnippetCandidate = { path: 'src/app.ts', startLine: 0, text: current, source: 'recent', recentKind: 'edited', at: 1 };
    assert.ok(!selectRepoContext(input({ recent: [self] })).snippets.some((s) => s.path === 'src/app.ts'));
  });

  test('order: least relevant first, the best snippet last (next to the file)', () => {
    const checkout: SnippetCandidate = { path: 'src/checkout.ts', startLine: 10, text: 'export function checkout(cart: Cart): number {\n  let sum = 0;\n  for (const line of cart.lines) {\n    sum += lineTotal(line);\n  }\n  return sum;\n}', source: 'recent', recentKind: 'edited', at: 5 };
    const ctx = selectRepoContext(input({ budgetTokens: 600, recent: [checkout, ...recentNoise] }));
    assert.ok(ctx.snippets.length >= 2);
    const scores = ctx.snippets.map((s) => s.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
  });

  test('deterministic: the same input gives the same key; other content another key', () => {
    assert.equal(selectRepoContext(input()).key, selectRepoContext(input()).key);
    assert.notEqual(selectRepoContext(input()).key, selectRepoContext(input({ budgetTokens: 25 })).key);
    assert.equal(selectRepoContext(input({ importedFiles: [] })).key, '');
  });

  test('unranked baseline: candidates in the given order, first come first served', () => {
    const ctx = selectRepoContext(input({ rank: false, budgetTokens: 60, recent: recentNoise }));
    assert.ok(ctx.snippets.every((s) => s.path === 'src/cart.ts'));
    const ringFirst = selectRepoContext(input({ rank: false, budgetTokens: 60, importedFiles: [], recent: recentNoise }));
    assert.ok(ringFirst.snippets.every((s) => s.path.startsWith('src/noise')));
  });

  test('a zero budget chooses nothing', () => {
    assert.deepEqual(selectRepoContext(input({ budgetTokens: 0 })).snippets, []);
  });
});

suite('repoContext import candidates', () => {
  test('the declaration of each imported name; a file that only re-exports (or is imported whole) offers its chunks', () => {
    const file = { path: 'src/cart.ts', text: cartFile, names: ['CartLine', 'Cart', 'CartLine'] };
    const candidates = importCandidates(file);
    assert.deepEqual(
      candidates.map((c) => [c.symbol, c.startLine, c.text.split('\n')[0]]),
      [
        ['CartLine', 5, 'export interface CartLine {'],
        ['Cart', 0, 'export interface Cart {'],
      ],
    );
    const barrel = importCandidates({ path: 'src/index.ts', text: "export * from './cart';\nexport * from './money';\nexport * from './tax';\n", names: ['Cart'] });
    assert.deepEqual(barrel.map((c) => [c.source, c.symbol, c.startLine]), [['import', undefined, 0]]);
    assert.ok(importCandidates({ path: 'src/cart.ts', text: cartFile, names: [] }).length > 1);
  });
});
