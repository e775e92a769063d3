// Issue 16: with a tight context, Review kept a type alias and two small types whole, cut one helper mid-body
// and dropped the other two. Definitions the selection calls must come first, and be shortened before dropped.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeBudget } from '../../../src/context/budget';
import { layoutPrompt } from '../../../src/context/layout';
import type { PromptLayout } from '../../../src/context/layout';
import { definitionSummary } from '../../../src/context/signature';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { referencedIdentifiers } from '../../../src/review/codeScan';
import { explainItems, explainReviewRenderer, reviewItems } from '../../../src/review/prompts';
import type { CodeUnderReview, SupportingSnippet } from '../../../src/review/prompts';

const dir = join(__dirname, 'fixtures', 'schedule');
const read = (file: string): string => readFileSync(join(dir, file), 'utf8');

/** The lines `from`–`to` (1-based, inclusive) of a fixture file. */
function lines(file: string, from: number, to: number): string {
  return read(file).split('\n').slice(from - 1, to).join('\n');
}

/** What the definition provider finds for each name (declaration with its doc comment, as gatherContext sends it). */
const definitions: Readonly<Record<string, { file: string; from: number; to: number }>> = {
  daysBetween: { file: 'dates.ts', from: 1, to: 22 },
  formatDuration: { file: 'format.ts', from: 1, to: 24 },
  overlapMinutes: { file: 'overlap.ts', from: 3, to: 19 },
  DayId: { file: 'types.ts', from: 1, to: 2 },
  Span: { file: 'types.ts', from: 4, to: 8 },
  Booking: { file: 'types.ts', from: 10, to: 18 },
};
const helpers = ['daysBetween', 'formatDuration', 'overlapMinutes'];
const types = ['DayId', 'Span', 'Booking'];

const selection: CodeUnderReview = { text: lines('report.ts', 7, 24), startLine: 7, path: 'report.ts', languageId: 'typescript' };

/** The snippets gatherContext would produce for the selection: one definition per referenced name, in scan order. */
function snippets(): SupportingSnippet[] {
  return referencedIdentifiers(selection.text, 12).flatMap((use) => {
    const def = definitions[use.name];
    return def === undefined
      ? []
      : [{ kind: 'definition' as const, title: `definition of ${use.name} (${def.file}:${def.from})`, text: lines(def.file, def.from, def.to), language: 'typescript', relation: use.relation }];
  });
}

type Presence = 'whole' | 'short' | 'cut' | 'missing';

function presence(layout: PromptLayout, name: string): Presence {
  const seg = layout.segments.find((s) => s.title?.startsWith(`definition of ${name} `) === true);
  if (seg === undefined || seg.dropped) {
    return 'missing';
  }
  if (!seg.trimmed) {
    return 'whole';
  }
  const def = definitions[name];
  const short = def === undefined ? undefined : definitionSummary(lines(def.file, def.from, def.to));
  return short !== undefined && layout.text.includes(short) ? 'short' : 'cut';
}

const counter = approximateCounter();

function layoutFor(maxContextTokens: number, kind: 'review' | 'explain'): PromptLayout {
  const items = kind === 'review' ? reviewItems(selection, snippets(), 'json') : explainItems(selection, snippets());
  const budget = computeBudget({
    contextLength: 32768,
    maxContextSetting: maxContextTokens,
    answerReserve: kind === 'review' ? 2048 : 1024,
    neededTokens: items.reduce((n, i) => n + counter.count(i.text) + 8, 0),
  });
  return layoutPrompt(items, budget.promptBudget, counter, { render: explainReviewRenderer });
}

suite('review: supporting context ranked by how the selection depends on it', () => {
  test('the scan tells calls from constructed and named types', () => {
    const uses = new Map(referencedIdentifiers(selection.text, 12).map((u) => [u.name, u.relation]));
    for (const h of helpers) {
      assert.equal(uses.get(h), 'called', h);
    }
    assert.equal(uses.get('Span'), 'constructed');
    assert.equal(uses.get('DayId'), 'referenced');
    const order = referencedIdentifiers(selection.text, 12).map((u) => u.name);
    assert.ok(Math.max(...helpers.map((h) => order.indexOf(h))) < order.indexOf('Span'), order.join(','));
  });

  test('the short form of a helper is its doc comment and signature, body cut visibly', () => {
    const short = definitionSummary(lines('dates.ts', 1, 22));
    assert.ok(short !== undefined);
    assert.ok(short.startsWith('/**\n * Whole days between two instants'));
    assert.ok(short.includes('export function daysBetween(from: number, to: number): number {'));
    assert.match(short, /… \[body cut: \d+ lines\] …\n}$/);
    assert.ok(!short.includes('minutesPerDay'));
    // Types and one-liners have no shorter form: they are small already.
    assert.equal(definitionSummary(lines('types.ts', 1, 2)), undefined);
    assert.equal(definitionSummary(lines('types.ts', 4, 8)), undefined);
    // Python: signature and docstring.
    const py = definitionSummary('def area(w, h):\n    """Area of a w×h rectangle."""\n    x = w\n    y = h\n    z = x * y\n    return z');
    assert.equal(py, 'def area(w, h):\n    """Area of a w×h rectangle."""\n    … [body cut: 4 lines] …');
  });

  // Explain keeps half the window for the answer, Review at least 2048 tokens: the same window leaves Review less room.
  const cases = [
    { kind: 'explain', max: 1000 },
    { kind: 'explain', max: 1500 },
    { kind: 'explain', max: 2500 },
    { kind: 'review', max: 1500 },
    { kind: 'review', max: 2500 },
    { kind: 'review', max: 4000 },
  ] as const;
  for (const { kind, max } of cases) {
    test(`${kind}, maxContextTokens ${max}: the called helpers come first (whole or signature + doc), then the types`, () => {
      const layout = layoutFor(max, kind);
      const got = Object.fromEntries([...helpers, ...types].map((n) => [n, presence(layout, n)]));
      const detail = `${JSON.stringify(got)} (${layout.report.summary}, ${layout.tokens}/${layout.report.budget} tokens)`;
      // Never a helper cut mid-body: whole, its contract, or (no room even for that) missing.
      for (const h of helpers) {
        assert.ok(got[h] !== 'cut', `${h} cut mid-body: ${detail}`);
      }
      // A helper is missing only when not even short forms fit, and then no type is there either.
      if (helpers.some((h) => got[h] === 'missing')) {
        assert.ok(
          types.every((t) => got[t] === 'missing'),
          `a type is kept while a helper is missing: ${detail}`,
        );
      }
      // A type is whole only once every helper is whole.
      if (types.some((t) => got[t] === 'whole')) {
        assert.ok(
          helpers.every((h) => got[h] === 'whole'),
          `a type is whole while a helper is not: ${detail}`,
        );
      }
      // Once the room holds the three short forms, all three helpers are there.
      if (max >= (kind === 'explain' ? 1500 : 2500)) {
        assert.ok(
          helpers.every((h) => got[h] !== 'missing'),
          `a helper is missing: ${detail}`,
        );
      }
      assert.ok(layout.text.includes('dayReport'), 'the selection is in the prompt');
    });
  }

  test('more room makes helpers whole first: at 2500 all three are whole', () => {
    const layout = layoutFor(2500, 'explain');
    for (const h of helpers) {
      assert.equal(presence(layout, h), 'whole', h);
    }
  });
});
