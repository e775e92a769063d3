/**
 * Repository context in completion prompts, as a user meets it: in the real VS Code with the packaged extension
 * and the fake Ollama server (a TEST DOUBLE that records every prompt), code that uses a type defined in another
 * file brings that definition into the FIM prompt: from a file open in another tab (the ring of viewed code), from a
 * file the current one imports (not open anywhere), and through the language server's definition provider (a type
 * re-exported by a barrel file, which import parsing alone cannot follow). A sensitive file open in a tab never gets
 * in, "Why No Completion?" lists what went in, and the setting turns it off.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useVscode } from '../harness/session';
import type { Workbench } from '../harness/workbench';
import type { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';

const invoiceTs = [
  '/** What an invoice adds up to. */',
  'export interface InvoiceTotals {',
  '  net: number;',
  '  vat: number;',
  '  gross: number;',
  '}',
  '',
].join('\n');

const shippingTs = ['export interface ShipmentQuote {', '  carrier: string;', '  etaDays: number;', '  priceCents: number;', '}', ''].join('\n');

// Matched by the built-in exclusions (`.env.*`): its text must never reach a model.
const secretTs = ["export const INVOICE_API_KEY = 'sk-live-never-in-a-prompt';", 'export const invoiceApiRegion = "eu";', 'export const invoiceApiTimeout = 30;', ''].join('\n');

/** Waits for ghost text; the manual trigger asks if the automatic one did not (see completion.ui.ts). */
async function completionAt(wb: Workbench): Promise<void> {
  const automatic = await wb.ghostText(30_000).then(() => true, () => false);
  if (!automatic) {
    await wb.press('Alt+\\');
    await wb.ghostText(60_000);
  }
}

function lastPrompt(fake: FakeOllamaServer, marker: string): string {
  const sent = fake.requests.filter((r) => r.path === '/api/generate' && r.prompt?.includes(marker)).at(-1);
  assert.ok(sent !== undefined, `a completion request for "${marker}" reached the fake`);
  return sent.prompt ?? '';
}

async function whyReport(wb: Workbench): Promise<string> {
  await wb.runCommand('Tiered: Why No Completion?');
  await wb.page.locator('.tabs-container .tab.active', { hasText: 'Why no completion.md' }).waitFor({ timeout: 30_000 });
  const text = await wb.editorText();
  await wb.runCommand('View: Close Editor');
  return text;
}

suite('Repository context in completions (UI)', () => {
  const vs = useVscode({
    mode: 'packaged',
    settings: { 'tiered.tiers.code.model': 'qwen2.5-coder:7b' },
    prepareWorkspace: (workspace) => {
      mkdirSync(path.join(workspace, 'src', 'billing'), { recursive: true });
      writeFileSync(path.join(workspace, 'src', 'billing', 'invoice.ts'), invoiceTs);
      writeFileSync(path.join(workspace, 'src', 'billing', 'shipping.ts'), shippingTs);
      writeFileSync(path.join(workspace, 'src', 'billing', '.env.ts'), secretTs);
      writeFileSync(path.join(workspace, 'src', 'billing', 'summary.ts'), '// Invoice summaries.\n');
      writeFileSync(path.join(workspace, 'src', 'billing', 'quotes.ts'), "import { ShipmentQuote } from './shipping';\n\n// Quotes.\n");
      // Only the language server can follow this one: the import names a barrel that re-exports it.
      mkdirSync(path.join(workspace, 'src', 'money'), { recursive: true });
      writeFileSync(path.join(workspace, 'src', 'money', 'rates.ts'), ['export interface ExchangeRate {', '  from: string;', '  to: string;', '  perUnitMicros: number;', '}', ''].join('\n'));
      writeFileSync(path.join(workspace, 'src', 'money', 'index.ts'), "export * from './rates';\n");
      writeFileSync(path.join(workspace, 'src', 'convert.ts'), "import { ExchangeRate } from './money';\n\n// Conversions.\n");
      writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'commonjs' }, include: ['src'] }));
    },
  });

  test('a type defined in the file open in another tab is in the prompt; a sensitive file open in a tab is not; Why No Completion? lists it', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 't.net + t.vat' });
    await wb.waitForStatusBarItem(/Tiered/);
    // The user looks at the definition and at the secrets file, then goes to write code in another file.
    await wb.openFile('src/billing/invoice.ts');
    await wb.openFile('src/billing/.env.ts');
    await wb.openFile('src/billing/summary.ts');
    await wb.typeNewLine('export const grossOf = (t: InvoiceTotals, invoiceApiRegion: string): number => ');
    await completionAt(wb);
    const prompt = lastPrompt(fake, 'export const grossOf');
    // qwen2.5-coder:7b has Ollama's `insert` capability: the server writes the FIM sentinels, so the context goes
    // at the start of `prompt` as commented blocks in the file's comment syntax, before the file's own code.
    assert.match(prompt, /\/\/ Path: src\/billing\/invoice\.ts\n(\/\/.*\n)*\/\/ export interface InvoiceTotals \{\n\/\/ {3}net: number;/, `the definition is in the prompt:\n${prompt}`);
    assert.ok(prompt.indexOf('InvoiceTotals {') < prompt.indexOf('export const grossOf'), 'the context sits before the file prefix');
    assert.ok(!prompt.includes('sk-live-never-in-a-prompt') && !prompt.includes('.env.ts'), `the sensitive file stays out:\n${prompt}`);
    const report = await whyReport(wb);
    assert.match(report, /Repository context in the last prompt: \d+ snippets?, \d+ tokens/);
    // The reason depends on how far the line was typed when the context was last chosen (at a pause).
    assert.match(report, /- src\/billing\/invoice\.ts, lines \d+–\d+ \(\d+ tokens\): (defines InvoiceTotals, used near the cursor|recently viewed)/);
    assert.ok(!report.includes('.env.ts'), 'the report does not list the sensitive file either');
  });

  test('a type from an imported file that is not open is in the prompt', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 'q.priceCents' });
    await wb.openFile('src/billing/quotes.ts');
    await wb.typeNewLine('export const cheapest = (q: ShipmentQuote): number => ');
    await completionAt(wb);
    const prompt = lastPrompt(fake, 'export const cheapest');
    assert.match(prompt, /\/\/ Path: src\/billing\/shipping\.ts\n\/\/ export interface ShipmentQuote \{\n\/\/ {3}carrier: string;/, `the imported definition is in the prompt:\n${prompt}`);
  });

  test('a definition only the language server can find (through a re-exporting barrel) reaches the prompt after a pause', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 'r.perUnitMicros' });
    await wb.openFile('src/convert.ts');
    // The TypeScript server starts in the background; its first answers may miss the time limit and serve the
    // next choice of context (after a pause). Each round: type, pause, ask.
    let prompt = '';
    for (let round = 0; round < 8 && !prompt.includes('export interface ExchangeRate {'); round++) {
      await wb.press('Escape');
      await wb.typeNewLine(`export const micros${round} = (r: ExchangeRate): number => `);
      await completionAt(wb);
      prompt = lastPrompt(fake, `export const micros${round}`);
      await wb.page.waitForTimeout(2000);
    }
    assert.match(prompt, /\/\/ Path: src\/money\/rates\.ts\n\/\/ export interface ExchangeRate \{\n\/\/ {3}from: string;/, `the definition the language server found is in the prompt:\n${prompt}`);
    assert.match(await whyReport(wb), /- src\/money\/rates\.ts, lines 1–\d+ \(\d+ tokens\): defines ExchangeRate, used near the cursor/);
  });
});

suite('Repository context turned off (UI)', () => {
  const vs = useVscode({
    mode: 'packaged',
    settings: { 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.completion.repositoryContext': false },
    prepareWorkspace: (workspace) => {
      mkdirSync(path.join(workspace, 'src', 'billing'), { recursive: true });
      writeFileSync(path.join(workspace, 'src', 'billing', 'shipping.ts'), shippingTs);
      writeFileSync(path.join(workspace, 'src', 'billing', 'quotes.ts'), "import { ShipmentQuote } from './shipping';\n\n// Quotes.\n");
    },
  });

  test('with tiered.completion.repositoryContext off, nothing from other files is in the prompt, and Why No Completion? says so', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 'q.priceCents' });
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('src/billing/shipping.ts');
    await wb.openFile('src/billing/quotes.ts');
    await wb.typeNewLine('export const fastest = (q: ShipmentQuote): number => ');
    await completionAt(wb);
    const off = lastPrompt(fake, 'export const fastest');
    assert.ok(off.includes("import { ShipmentQuote } from './shipping';"), 'the file itself is in the prompt');
    assert.ok(!off.includes('// Path:') && !off.includes('carrier: string'), `no repository context with the setting off:\n${off}`);
    assert.match(await whyReport(wb), /Repository context: off \(setting tiered\.completion\.repositoryContext\)/);
  });
});
