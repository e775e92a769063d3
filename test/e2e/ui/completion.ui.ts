/**
 * Inline completions as a user meets them, in the real VS Code with the packaged extension and the fake Ollama
 * server (a TEST DOUBLE): ghost text in a Python file, Tab accepts it, typing through a suggestion keeps it
 * without a new request, and a server that is down shows in the status bar and is explained by "Why No Completion?".
 */
import * as assert from 'node:assert/strict';
import { useVscode } from '../harness/session';
import { whyNoCompletionReport as whyReport } from '../harness/tieredUi';
import type { Workbench } from '../harness/workbench';

const generateCount = (requests: readonly { path: string }[]): number => requests.filter((r) => r.path === '/api/generate').length;

/** The ghost text of the cursor line: VS Code splits it into one decoration per syntax token. */
async function ghostLine(wb: Workbench, timeout: number): Promise<string> {
  try {
    await wb.ghostText(timeout);
  } catch (error) {
    // Say why, from the extension's own attempt log (a failure here once gave nothing to go on).
    throw new Error(`no ghost text: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n${await whyReport(wb)}`);
  }
  const parts = await wb.page.locator('.monaco-editor .view-line .ghost-text-decoration').allInnerTexts();
  return parts.join('').replace(/\u00a0/g, ' ');
}

suite('Inline completions (UI)', () => {
  const vs = useVscode({ mode: 'packaged', settings: { 'tiered.tiers.code.model': 'qwen2.5-coder:7b' } });

  test('Python: ghost text from the model, Tab accepts it, typing through it sends no new request', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 'return a + b' });
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('scripts/report.py');
    await wb.typeNewLine('def add_numbers(a: float, b: float) -> float:');
    await wb.press('Enter');
    // VS Code asks the provider after an edit; in fresh windows it sometimes never did (reproduced locally about one
    // run in ten: "Why No Completion?" said the editor never asked). The extension's trigger watchdog now asks on
    // its behalf after 1.5 s. Should ghost text still not come, the manual trigger (Alt+\\) asks, the report is
    // printed, and the model's ghost text must still come through the same pipeline.
    const automatic = await wb.ghostText(30_000).then(() => true, () => false);
    if (!automatic) {
      // What the extension saw (in progress, skipped, or never asked), for the log; then back to the file.
      const report = await whyReport(wb);
      console.log(`    (no ghost text from the automatic trigger within 30 s: triggering by hand; the extension's report:\n${report.replace(/^/gm, '      ')})`);
      await wb.runCommand('View: Close Editor');
      await wb.page.locator('.tabs-container .tab.active', { hasText: 'report.py' }).waitFor({ timeout: 30_000 });
      await wb.press('Alt+\\');
    }
    const ghost = await ghostLine(wb, 60_000);
    assert.match(ghost, /return a \+ b/, `ghost text: ${ghost}`);
    const sent = fake.requests.filter((r) => r.path === '/api/generate').at(-1);
    assert.ok(sent, 'the completion came from the fake server');
    assert.equal(sent.model, 'qwen2.5-coder:7b', 'the code tier model answers completions');
    assert.ok(typeof sent.numCtx === 'number' && sent.numCtx > 0, `num_ctx is always sent (got ${String(sent.numCtx)})`);

    // Typing the first characters of the suggestion keeps the rest on screen without asking the model again.
    const before = generateCount(fake.requests);
    await wb.type('retu', 120);
    const rest = await ghostLine(wb, 30_000);
    assert.match(rest, /^rn a \+ b/, `ghost text after typing through: ${rest}`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(generateCount(fake.requests), before, 'typing through the suggestion sent no new request');

    // Accept Word (VS Code's Ctrl+Right) takes the next word only; the rest stays on screen for Tab.
    await wb.press('Control+ArrowRight');
    // (The rendered line holds the ghost text too: what is left as ghost tells what was accepted.)
    const afterWord = await ghostLine(wb, 30_000);
    assert.match(afterWord, /^ ?a \+ b$/, `ghost text after Accept Word: ${afterWord}`);
    await wb.acceptGhostText();
    const text = await wb.editorText();
    assert.match(text, /def add_numbers\(a: float, b: float\) -> float:\n\s+return a \+ b/, `document after Tab:\n${text.slice(-300)}`);
  });

  test('every listed FIM family, chosen with "Choose Completion Model…": ghost text, the right request (native suffix or the family sentinels), no special token shown', async () => {
    const { wb, fake } = vs();
    // A special token each family's server would not stop at, then garbage: the editor must show neither.
    const families = [
      { model: 'qwen2.5-coder:7b', answer: 'subtotal * 2', leak: '<|fim_pad|>', stop: '<|fim_middle|>' },
      { model: 'codellama:7b-code', answer: 'subtotal * 3', leak: '<PRE>', stop: '<EOT>' },
      { model: 'deepseek-coder:6.7b', answer: 'subtotal * 4', leak: '<｜begin▁of▁sentence｜>', stop: '<｜fim▁end｜>' },
      { model: 'starcoder2:3b', answer: 'subtotal * 5', leak: '<fim_pad>', stop: '<file_sep>' },
      { model: 'codegemma:2b', answer: 'subtotal * 6', leak: '<start_of_turn>', stop: '<|file_separator|>' },
      { model: 'codestral:22b', answer: 'subtotal * 7', leak: '</s>', stop: '[PREFIX]' },
    ];
    fake.reset();
    for (const f of families) {
      fake.script({ match: { path: '/api/generate', model: f.model }, text: `${f.answer}${f.leak}\nimport os  # garbage` });
    }
    const quick = wb.page.locator('.quick-input-widget');
    await wb.openFile('src/cart.ts');
    for (const [i, f] of families.entries()) {
      // The user's way: the picker lists the installed models that can fill in the middle.
      await wb.runCommand('Tiered: Choose Completion Model…');
      await quick.locator('input').waitFor({ timeout: 30_000 });
      await quick.locator('input').fill(f.model);
      await quick.locator('.monaco-list-row', { hasText: f.model }).first().click();
      await wb.waitForNotification(`inline completions now use ${f.model}`);
      await wb.page.locator('.tabs-container .tab.active', { hasText: 'cart.ts' }).waitFor();
      await wb.typeNewLine(`export const family${i} = `);
      await wb.press('Alt+\\');
      const ghost = await ghostLine(wb, 60_000);
      assert.equal(ghost.trim(), f.answer, `${f.model}: the ghost text is the answer and nothing after the special token`);
      const sent = fake.requests.filter((r) => r.path === '/api/generate' && r.prompt?.includes(`family${i} = `)).at(-1);
      assert.equal(sent?.model, f.model, `${f.model} answered`);
      const body = sent?.body as { raw?: boolean; options?: { stop?: string[] } };
      if (f.model === 'deepseek-coder:6.7b') {
        // No `insert` capability: a raw prompt with the family's own (full-width) sentinels.
        assert.equal(body.raw, true, `${f.model}: raw mode`);
        assert.match(sent?.prompt ?? '', /^<｜fim▁begin｜>[\s\S]*<｜fim▁hole｜>[\s\S]*<｜fim▁end｜>$/u);
      } else {
        assert.notEqual(body.raw, true, `${f.model}: native FIM`);
        assert.equal(typeof sent?.suffix, 'string', `${f.model}: the suffix goes to the server's template`);
      }
      assert.ok(body.options?.stop?.includes(f.stop), `${f.model}: its stop sequences are sent (${JSON.stringify(body.options?.stop)})`);
      await wb.press('Escape');
    }
    // A chat-only model is not offered: the picker says why.
    await wb.runCommand('Tiered: Choose Completion Model…');
    await quick.locator('input').waitFor({ timeout: 30_000 });
    assert.match(await quick.locator('.quick-input-title').innerText(), /2 chat-only models left out/);
    assert.equal(await quick.locator('.monaco-list-row', { hasText: 'llama3.2:3b' }).count(), 0, 'a chat model is not offered');
    await wb.press('Escape');
  });
});

suite('Inline completions with a slow model (UI)', () => {
  // A window of its own: the speed verdict averages the last requests, and other tests' fast answers would dilute it.
  const vs = useVscode({ mode: 'packaged', settings: { 'tiered.tiers.code.model': 'qwen2.5-coder:7b' } });

  test('a model too slow for ghost text: the suggestion still comes, and the status bar and the report say why it is slow', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/generate' }, text: 'Math.max(0, total - 5)', firstTokenMs: 2500 });
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('src/cart.ts');
    await wb.typeNewLine('export const capped = ');
    await wb.press('Alt+\\');
    const ghost = (await ghostLine(wb, 60_000)).trim();
    // A first line still streaming shortly after its first token is shown as far as it got (cost-aware policy): any
    // non-empty start of the answer, at a word boundary, is the suggestion coming.
    assert.ok(ghost.length > 0 && 'Math.max(0, total - 5)'.startsWith(ghost), `the ghost text is the answer or its start: "${ghost}"`);
    await wb.page.locator('#workbench\\.parts\\.statusbar [aria-label^="Tiered completions:"][aria-label*="slow model"]').first().waitFor({ timeout: 30_000 });
    const report = (await whyReport(wb)).replace(/\n/g, '');
    assert.match(report, /Model speed: qwen2\.5-coder:7b: first token after [23]\.\d s/);
    assert.match(report, /The completion model answers slowly.*tiered\.completion\.model/);
  });
});

suite('Inline completions with the server down (UI)', () => {
  const vs = useVscode({ mode: 'packaged', settings: { 'tiered.ollama.baseUrl': 'http://127.0.0.1:9' } });

  test('the status bar shows the error and "Why No Completion?" explains it', async () => {
    const { wb } = vs();
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('src/cart.ts');
    await wb.typeNewLine('export const discount = ');
    await wb.press('Alt+\\');
    const item = wb.page.locator('#workbench\\.parts\\.statusbar [aria-label^="Tiered completions: error"]').first();
    await item.waitFor({ timeout: 60_000 });
    assert.equal(await wb.hasNoGhostText(), true, 'no ghost text without a server');
    const notices = await wb.notifications();
    assert.ok(
      notices.filter((n) => /Tiered completions/.test(n)).length <= 1,
      `one notification at most, never a storm: ${notices.join(' | ')}`,
    );
    // The Markdown editor wraps long lines: read the text without its visual line breaks.
    const explanation = (await whyReport(wb)).replace(/\n/g, '');
    // A read-only report: never an Untitled file that asks to be saved on close.
    assert.equal(await wb.page.locator('.tabs-container .tab.active.dirty').count(), 0, 'the report is not a dirty untitled file');
    assert.match(explanation, /Why no completion/);
    assert.match(explanation, /Cannot ?reach the model server at http:\/\/127\.0\.0\.1:9/);
  });
});
