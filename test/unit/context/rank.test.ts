import * as assert from 'node:assert/strict';
import { identifierWords, rankSources, sharedWordCount, toContextItems } from '../../../src/context/rank';
import type { ContextCandidate, RankQuery } from '../../../src/context/rank';

const query: RankQuery = {
  text: 'Why does parseAmount return NaN for decimal commas?',
  currentFile: 'src/main.ts',
  languageId: 'typescript',
  selection: { startLine: 40, endLine: 50, text: 'const total = parseAmount(input);' },
  now: 1_000_000_000,
};

function candidate(id: string, source: ContextCandidate['source'], extra: Partial<ContextCandidate> = {}): ContextCandidate {
  return { id, source, path: extra.path ?? `src/${id}.ts`, text: extra.text ?? 'export const unrelated = 1;', languageId: 'typescript', ...extra };
}

suite('context/rank', () => {
  test('identifierWords splits camelCase and snake_case and drops stop words', () => {
    const words = identifierWords('const parseAmount = read_user_input(HTTPServer); return x;');
    for (const w of ['parseamount', 'parse', 'amount', 'read_user_input', 'read', 'user', 'input', 'httpserver', 'server']) {
      assert.ok(words.has(w), `missing ${w}`);
    }
    assert.ok(!words.has('const') && !words.has('return') && !words.has('x'));
  });

  test('sharedWordCount matches query words at word starts and camelCase humps only', () => {
    const words = new Set(['config', 'parse', 'user']);
    assert.equal(sharedWordCount(words, 'const x = parseConfig(raw);'), 2);
    assert.equal(sharedWordCount(words, 'reconfigure(); sparse(); username'), 1, 'only "username" starts with a query word');
    assert.equal(sharedWordCount(words, 'CONFIG_FILE and user_id'), 2);
    assert.equal(sharedWordCount(words, ''), 0);
  });

  test('without other signals: selection, symbol, cursor, imported file (prior + import bonus), recent edit, current file, open file', () => {
    const bare: RankQuery = { text: '', currentFile: 'src/main.ts', languageId: 'typescript' };
    const sources: ContextCandidate['source'][] = ['openFile', 'currentFile', 'importedFile', 'recentEdit', 'cursorWindow', 'enclosingSymbol', 'selection'];
    const ranked = rankSources(
      sources.map((s) => candidate(s, s, { path: s === 'currentFile' ? 'src/main.ts' : `src/${s}.ts` })),
      bare,
    );
    assert.deepEqual(
      ranked.map((r) => r.candidate.source),
      ['selection', 'enclosingSymbol', 'cursorWindow', 'importedFile', 'recentEdit', 'currentFile', 'openFile'],
    );
  });

  test('an open file that defines what the question names beats one that does not', () => {
    const ranked = rankSources(
      [
        candidate('a-unrelated', 'openFile', { text: 'export function renderChart(data: number[]) { return data.length; }' }),
        candidate('b-parser', 'openFile', { text: 'export function parseAmount(text: string): number {\n  return Number(text.replace(",", "."));\n}' }),
      ],
      query,
    );
    assert.equal(ranked[0]?.candidate.id, 'b-parser');
    assert.ok(ranked[0]?.reasons.some((r) => /shares \d+ of \d+ identifiers/.test(r)));
  });

  test('recency, import relation and diagnostics near the selection raise the score, with reasons', () => {
    const ranked = rankSources(
      [
        candidate('old-edit', 'recentEdit', { lastTouched: query.now! - 60 * 60_000 }),
        candidate('new-edit', 'recentEdit', { lastTouched: query.now! - 30_000 }),
        candidate('imported', 'openFile', { importedByCurrent: true }),
        candidate('not-imported', 'openFile'),
        candidate('diag-near', 'diagnostic', { path: 'src/main.ts', startLine: 45, severity: 'error' }),
        candidate('diag-far', 'diagnostic', { path: 'src/main.ts', startLine: 400, severity: 'error' }),
        candidate('diag-other', 'diagnostic', { path: 'src/other.ts', startLine: 45 }),
      ],
      query,
    );
    const score = (id: string): number => ranked.find((r) => r.candidate.id === id)?.score ?? Number.NaN;
    const reasons = (id: string): string => ranked.find((r) => r.candidate.id === id)?.reasons.join('; ') ?? '';
    assert.ok(score('new-edit') > score('old-edit'));
    assert.match(reasons('new-edit'), /touched under a minute ago/);
    assert.ok(score('imported') > score('not-imported'));
    assert.match(reasons('imported'), /imported by src\/main.ts/);
    assert.ok(score('diag-near') > score('diag-far') && score('diag-near') > score('diag-other'));
    assert.match(reasons('diag-near'), /inside the selection/);
    assert.match(reasons('diag-far'), /350 lines from the selection/);
  });

  test('another language is slightly penalised; huge candidates too', () => {
    const ranked = rankSources(
      [candidate('py', 'openFile', { languageId: 'python' }), candidate('ts', 'openFile'), candidate('huge', 'openFile', { text: 'x\n'.repeat(3000) })],
      query,
    );
    assert.deepEqual(
      ranked.map((r) => r.candidate.id),
      ['ts', 'huge', 'py'],
    );
  });

  test('deterministic: ties broken by id, whatever the input order', () => {
    const list = ['c', 'a', 'b'].map((id) => candidate(id, 'openFile'));
    const one = rankSources(list, query).map((r) => r.candidate.id);
    const two = rankSources([...list].reverse(), query).map((r) => r.candidate.id);
    assert.deepEqual(one, ['a', 'b', 'c']);
    assert.deepEqual(two, one);
  });

  test('toContextItems maps sources to layout kinds with titles and ranks', () => {
    const ranked = rankSources(
      [
        candidate('sel', 'selection', { path: 'src/main.ts', startLine: 40, endLine: 50 }),
        candidate('cur', 'cursorWindow', { path: 'src/main.ts' }),
        candidate('sym', 'enclosingSymbol', { path: 'src/main.ts', startLine: 30, endLine: 60, focusLine: 12 }),
        candidate('open', 'openFile'),
        candidate('diag', 'diagnostic', { path: 'src/main.ts', startLine: 44 }),
      ],
      query,
    );
    const items = new Map(toContextItems(ranked).map((i) => [i.id, i]));
    assert.equal(items.get('sel')?.kind, 'selection');
    assert.equal(items.get('sel')?.title, 'src/main.ts (lines 41–51)');
    assert.equal(items.get('cur')?.kind, 'cursor');
    assert.equal(items.get('sym')?.kind, 'pinned');
    assert.equal(items.get('sym')?.focusLine, 12);
    assert.equal(items.get('open')?.kind, 'supporting');
    assert.equal(items.get('diag')?.title, 'Diagnostic in src/main.ts (lines 45–45)');
    assert.equal(items.get('open')?.rank, ranked.find((r) => r.candidate.id === 'open')?.score);
  });
});
