import * as assert from 'node:assert/strict';
import { approximateCounter } from '../../../../src/context/tokenCounter';
import { RepoContextEngine, describeRepoContext } from '../../../../src/completion/repoContext/engine';
import { explainAttempts } from '../../../../src/completion/attemptLog';
import type { RepoContextGatherer } from '../../../../src/completion/repoContext/engine';
import type { ImportedFile } from '../../../../src/completion/repoContext/select';
import type { SnippetCandidate } from '../../../../src/completion/repoContext/types';
import type { RepoContextQuery } from '../../../../src/completion/repoContextSource';
import { buildPrompt } from '../../../../src/completion/stages/prompt';
import type { UsablePlan } from '../../../../src/completion/stages/prompt';
import { fimWindow } from '../../../../src/context/fimWindow';
import { fimTemplates } from '../../../../src/completion/templates';
import { fakeModel } from '../../../doubles/fakeLlmBackend';

const counter = approximateCounter();
const cartTs = 'export interface Cart {\n  lines: CartLine[];\n  currency: string;\n}\n\nexport interface CartLine {\n  sku: string;\n  quantity: number;\n}\n';
const invoiceTs = 'export class Invoice {\n  constructor(readonly cart: Cart, readonly number: string) {}\n  render(): string {\n    return this.number;\n  }\n}\n';

class FakeGatherer implements RepoContextGatherer {
  files = new Map<string, string>([
    ['src/cart.ts', cartTs],
    ['src/invoice.ts', invoiceTs],
  ]);
  definitionsBySymbol = new Map<string, SnippetCandidate>();
  ring: SnippetCandidate[] = [];
  importCalls = 0;
  fileOf(documentUri: string, languageId: string): { path: string; languageId: string; repoName: string } {
    return { path: documentUri.replace('file:///ws/', ''), languageId, repoName: 'ws' };
  }
  importedFiles(_uri: string, _path: string, _lang: string, imports: readonly { specifier: string; names: readonly string[] }[]): Promise<readonly ImportedFile[]> {
    this.importCalls += 1;
    return Promise.resolve(
      imports.flatMap((i) => {
        const path = `src/${i.specifier.replace('./', '')}.ts`;
        const text = this.files.get(path);
        return text === undefined ? [] : [{ path, text, names: i.names }];
      }),
    );
  }
  definitions(_uri: string, symbols: readonly { name: string }[]): Promise<readonly SnippetCandidate[]> {
    return Promise.resolve(symbols.flatMap((s) => this.definitionsBySymbol.get(s.name) ?? []));
  }
  recent(): Promise<readonly SnippetCandidate[]> {
    return Promise.resolve(this.ring);
  }
}

function setup(options: { enabled?: () => boolean; excluded?: (p: string) => boolean } = {}): { engine: RepoContextEngine; gather: FakeGatherer } {
  const gather = new FakeGatherer();
  const engine = new RepoContextEngine({ gather, counter, enabled: options.enabled ?? (() => true), isExcluded: options.excluded ?? (() => false) });
  return { engine, gather };
}

function query(text: string, uri = 'file:///ws/src/app.ts', overrides: Partial<RepoContextQuery> = {}): RepoContextQuery {
  return { documentUri: uri, languageId: 'typescript', text, offset: text.length, model: 'qwen2.5-coder:1.5b', family: 'qwen', backendKind: 'ollama', promptKind: 'raw', tokenBudget: 300, signal: new AbortController().signal, ...overrides };
}

const head = "import { Cart } from './cart';\n\nexport function count(cart: Cart): number {\n  return cart.";

const plan: UsablePlan = { kind: 'raw', family: 'qwen', template: fimTemplates.qwen, stops: fimTemplates.qwen.stops };

function prompt(text: string, context: Awaited<ReturnType<RepoContextEngine['contextFor']>>): string {
  return buildPrompt(
    { request: { documentUri: 'file:///ws/src/app.ts', languageId: 'typescript', text, offset: text.length, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual: false }, model: fakeModel({ name: 'qwen2.5-coder:1.5b' }), backendKind: 'ollama', plan, window: fimWindow, counter, prefixTokens: 1024, suffixTokens: 64, common: { model: 'qwen2.5-coder:1.5b' } },
    context,
  ).request.prompt;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) {
    i++;
  }
  return i;
}

suite('repoContext engine', () => {
  test('the imported definition goes into the prompt in the family layout, within the budget', async () => {
    const { engine } = setup();
    const ctx = await engine.contextFor(query(head));
    assert.ok(ctx !== undefined);
    assert.ok(ctx.tokens <= 300);
    assert.ok(ctx.rawHead?.includes('<|file_sep|>src/cart.ts\nexport interface Cart {'));
    assert.ok(ctx.snippets.some((s) => s.path === 'src/cart.ts' && s.startLine === 1 && /defines Cart/.test(s.why)));
    const p = prompt(head, ctx);
    assert.ok(p.startsWith('<|repo_name|>ws\n<|file_sep|>src/cart.ts\n'));
    assert.ok(p.includes('<|file_sep|>src/app.ts\n<|fim_prefix|>import { Cart }'));
  });

  test('prefix stability: while the user types, every prompt starts with the same context, and consecutive prompts share everything up to the cursor', async () => {
    const { engine, gather } = setup();
    gather.definitionsBySymbol.set('Invoice', { path: 'src/invoice.ts', startLine: 0, text: invoiceTs, source: 'definition', symbol: 'Invoice' });
    const typed = 'lines.length + new Invoice(cart, "1").render().length;';
    let previous: string | undefined;
    let firstKey: string | undefined;
    for (let i = 1; i <= typed.length; i++) {
      const text = head + typed.slice(0, i);
      const ctx = await engine.contextFor(query(text));
      firstKey ??= ctx?.key;
      assert.equal(ctx?.key, firstKey, `context changed at keystroke ${i} without a pause`);
      const p = prompt(text, ctx);
      if (previous !== undefined) {
        // Everything before the cursor of the previous prompt is shared (only the suffix sentinels differ).
        const cursor = previous.indexOf('<|fim_suffix|>');
        assert.ok(sharedPrefix(previous, p) >= cursor, `keystroke ${i}: shared ${sharedPrefix(previous, p)} < ${cursor}`);
      }
      previous = p;
    }
    // Invoice was typed mid-burst: its definition waits for the pause.
    assert.ok(!(previous ?? '').includes('export class Invoice'));
    assert.equal(gather.importCalls, 1, 'gathered once, not per keystroke');
    // Without a reported pause, an idle refresh changes nothing.
    assert.equal(await engine.refresh(query(head + typed)), false);
    assert.equal((await engine.contextFor(query(head + typed)))?.key, firstKey);
    // The pipeline reports the pause, then refreshes in idle time: the next prompt carries the new definition.
    engine.notify({ kind: 'pause', documentUri: 'file:///ws/src/app.ts' });
    assert.equal((await engine.contextFor(query(head + typed)))?.key, firstKey, 'a request right after the pause keeps the cached start');
    assert.equal(await engine.refresh(query(head + typed)), true);
    const afterPause = await engine.contextFor(query(head + typed));
    assert.notEqual(afterPause?.key, firstKey);
    assert.ok(afterPause?.rawHead?.includes('export class Invoice'));
    assert.equal(engine.last()?.decision, 'frozen');
    assert.equal(engine.last()?.origin, 'refreshed');
    // One refresh per pause: a second one has nothing to act on.
    assert.equal(await engine.refresh(query(head + typed)), false);
  });

  test('an accept lets the idle refresh choose again; a pause reported for another document does not', async () => {
    const { engine, gather } = setup();
    gather.definitionsBySymbol.set('Invoice', { path: 'src/invoice.ts', startLine: 0, text: invoiceTs, source: 'definition', symbol: 'Invoice' });
    const first = await engine.contextFor(query(head));
    const text = `${head}lines.length + new Invoice(`;
    engine.notify({ kind: 'pause', documentUri: 'file:///ws/src/other.ts' });
    assert.equal(await engine.refresh(query(text)), false);
    engine.notify({ kind: 'accepted', documentUri: 'file:///ws/src/app.ts' });
    assert.equal(await engine.refresh(query(text)), true);
    assert.notEqual((await engine.contextFor(query(text)))?.key, first?.key);
  });

  test('a refresh that brings a new definition appends it: the new prompt starts with the whole old context', async () => {
    const { engine, gather } = setup();
    gather.definitionsBySymbol.set('Invoice', { path: 'src/invoice.ts', startLine: 0, text: invoiceTs, source: 'definition', symbol: 'Invoice' });
    const first = await engine.contextFor(query(head));
    // Invoice is used a few lines up, Cart right at the cursor: a fresh choice would put Invoice (less relevant) first.
    const text = `${head}lines.length;\n}\n\nconst made = new Invoice(undefined, 'n');\n\nexport function total(c: Cart`;
    engine.notify({ kind: 'pause', documentUri: 'file:///ws/src/app.ts' });
    assert.equal(await engine.refresh(query(text)), true);
    const next = await engine.contextFor(query(text));
    const oldHead = (first?.rawHead ?? '').replace(/<\|file_sep\|>src\/app\.ts\n$/, '');
    assert.ok(oldHead.length > 0);
    assert.ok((next?.rawHead ?? '').startsWith(oldHead), 'the old snippets stay in front, in their order');
    assert.ok(next?.snippets.some((s) => s.path === 'src/invoice.ts'));
  });

  test('a refresh interrupted by typing keeps the old context and tries again at the next idle moment', async () => {
    const { engine, gather } = setup();
    gather.definitionsBySymbol.set('Invoice', { path: 'src/invoice.ts', startLine: 0, text: invoiceTs, source: 'definition', symbol: 'Invoice' });
    const first = await engine.contextFor(query(head));
    const text = `${head}lines.length + new Invoice(`;
    engine.notify({ kind: 'pause', documentUri: 'file:///ws/src/app.ts' });
    const typing = new AbortController();
    typing.abort();
    assert.equal(await engine.refresh(query(text, undefined, { signal: typing.signal })), false);
    assert.equal((await engine.contextFor(query(text)))?.key, first?.key);
    assert.equal(await engine.refresh(query(text)), true);
  });

  test('after a pause with nothing new worth it, the context stays (same key, no reshuffle)', async () => {
    const { engine, gather } = setup();
    const first = await engine.contextFor(query(head));
    // A weakly related chunk appears in the ring meanwhile.
    gather.ring = [{ path: 'src/other.ts', startLine: 0, text: 'const cartCount = 1;\nconst cartName = "a";\nconst cartSize = 2;', source: 'recent', recentKind: 'viewed', at: 1 }];
    engine.notify({ kind: 'pause', documentUri: 'file:///ws/src/app.ts' });
    assert.equal(await engine.refresh(query(`${head}lines`)), false);
    const again = await engine.contextFor(query(`${head}lines`));
    assert.equal(again?.key, first?.key);
  });

  test('a file switch chooses anew for the new file', async () => {
    const { engine, gather } = setup();
    gather.files.set('src/shipping.ts', 'export function shippingCost(weight: number): number {\n  return weight * 2;\n}\n');
    const a = await engine.contextFor(query(head));
    const other = "import { shippingCost } from './shipping';\n\nconst c = shippingCost(";
    const b = await engine.contextFor(query(other, 'file:///ws/src/checkout.ts'));
    assert.notEqual(a?.key, b?.key);
    assert.ok(b?.snippets.some((s) => s.path === 'src/shipping.ts'));
    assert.equal(engine.last()?.decision, 'fileSwitch');
  });

  test('llama-server /infill gets input_extra; Ollama native gets commented blocks; the same snippets either way', async () => {
    const infill = await setup().engine.contextFor(query(head, undefined, { backendKind: 'openai', promptKind: 'native' }));
    assert.deepEqual(infill?.extraFiles.map((f) => f.filename), ['src/cart.ts']);
    assert.equal(infill?.layoutPrefix, '');
    const native = await setup().engine.contextFor(query(head, undefined, { backendKind: 'ollama', promptKind: 'native' }));
    assert.ok(native?.layoutPrefix.startsWith('// Path: src/cart.ts\n// export interface Cart {'));
    assert.deepEqual(native?.extraFiles, []);
  });

  test('the setting turns it off; excluded files never appear', async () => {
    let on = false;
    const off = setup({ enabled: () => on });
    assert.equal(await off.engine.contextFor(query(head)), undefined);
    on = true;
    assert.ok(await off.engine.contextFor(query(head)));
    const excluded = setup({ excluded: (p) => p === 'src/cart.ts' });
    assert.equal(await excluded.engine.contextFor(query(head)), undefined);
  });

  test('commented layouts stay within the budget with their comment markers', async () => {
    const { engine } = setup();
    for (const budget of [15, 30, 60]) {
      engine.reset();
      const ctx = await engine.contextFor(query(head, undefined, { family: 'codellama', tokenBudget: budget }));
      assert.ok(ctx === undefined || ctx.tokens <= budget, `${ctx?.tokens} > ${budget}`);
    }
  });
});

suite('repoContext report', () => {
  test('Why No Completion? lists each snippet with its file, lines, reason and tokens, and the total', async () => {
    const { engine } = setup();
    await engine.contextFor(query(head));
    const lines = describeRepoContext(engine.last(), true);
    assert.match(lines[0] ?? '', /^Repository context in the last prompt: 1 snippet, \d+ tokens \(chosen for the first request in this file\):$/);
    assert.match(lines[1] ?? '', /^- src\/cart\.ts, lines 1–4 \(\d+ tokens\): defines Cart, used near the cursor/);
    const report = explainAttempts([{ id: 1, at: 0, durationMs: 5, documentUri: 'file:///ws/src/app.ts', languageId: 'typescript', outcome: 'shown', detail: '' }], 10, { repoContext: lines });
    assert.ok(report.includes(lines[1] ?? 'missing'));
  });

  test('says when it is off, and when nothing was relevant', async () => {
    assert.deepEqual(describeRepoContext(undefined, false), ['Repository context: off (setting tiered.completion.repositoryContext).']);
    const { engine } = setup();
    await engine.contextFor(query('const x = 1;\n'));
    assert.match(describeRepoContext(engine.last(), true)[0] ?? '', /none \(nothing in other files was relevant/);
  });
});
