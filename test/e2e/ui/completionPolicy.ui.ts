/**
 * The completion request policy as a user meets it, in the real VS Code with the packaged extension and a fake
 * llama-server (a TEST DOUBLE that records every request): completions go to llama-server's /infill pinned to
 * one slot with the prompt cache on, and after Tab accepts a suggestion the next one is requested at once (the
 * pipeline's own report says so) and shows without another keystroke.
 */
import * as assert from 'node:assert/strict';
import { FakeOpenAiServer } from '../../fixtures/fakeOpenAiServer';
import { useVscode } from '../harness/session';
import type { Workbench } from '../harness/workbench';

const ghostSelector = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text .view-line';

async function ghostText(wb: Workbench, timeout: number): Promise<string> {
  await wb.page.locator(ghostSelector).first().waitFor({ timeout });
  // VS Code splits ghost text into one element per syntax token (and one per extra line).
  return (await wb.page.locator(ghostSelector).allInnerTexts()).join('').replace(/\u00a0/g, ' ');
}

async function whyReport(wb: Workbench): Promise<string> {
  await wb.runCommand('Tiered: Why No Completion?');
  await wb.page.locator('.tabs-container .tab.active', { hasText: 'Why no completion.md' }).waitFor({ timeout: 30_000 });
  return (await wb.editorText()).replace(/\n/g, ' ');
}

suite('Completion request policy with llama-server (UI)', () => {
  let llama: FakeOpenAiServer | undefined;
  suiteSetup(async () => {
    llama = await FakeOpenAiServer.start();
  });
  suiteTeardown(async () => {
    await llama?.close();
  });
  const server = (): FakeOpenAiServer => {
    if (llama === undefined) {
      throw new Error('the fake llama-server did not start');
    }
    return llama;
  };
  // Read when the session starts (after the fake llama-server above is listening).
  const vs = useVscode({
    mode: 'packaged',
    get settings() {
      return {
        'tiered.ollama.enabled': false,
        'tiered.openAiEndpoints': [{ name: 'llama', baseUrl: server().url }],
        'tiered.completion.model': 'qwen2.5-coder-1.5b',
        'editor.autoClosingBrackets': 'never',
      };
    },
  });

  test('completions are pinned to one llama-server slot with the prompt cache on (the recording shows id_slot and cache_prompt)', async () => {
    const { wb } = vs();
    const fake = server();
    fake.script({ match: { path: '/infill' }, text: 'subtotal * 2' });
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('src/cart.ts');
    await wb.typeNewLine('export const doubled = ');
    await wb.press('Alt+\\');
    const ghost = await ghostText(wb, 60_000);
    assert.match(ghost, /subtotal \* 2/);
    const infill = fake.requestsTo('/infill');
    assert.ok(infill.length > 0, 'the completion went to /infill');
    for (const request of infill) {
      const body = request.body as { id_slot?: unknown; cache_prompt?: unknown; input_prefix?: string };
      assert.equal(body.id_slot, 0, `pinned to slot 0: ${request.rawBody.slice(0, 200)}`);
      assert.equal(body.cache_prompt, true, 'prompt cache on');
    }
    await wb.press('Escape');
  });

  test('after Tab accepts a suggestion, the next one is requested at once and shows without another keystroke', async () => {
    const { wb } = vs();
    const fake = server();
    fake.reset();
    // The first answer ends its line; the continuation is asked from the end of the accepted text.
    fake.script({ match: { path: '/infill', promptIncludes: 'const tripled = subtotal * 3;' }, text: '\nexport const quadrupled = subtotal * 4;' });
    fake.script({ match: { path: '/infill' }, text: 'subtotal * 3;' });
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'cart.ts' }).waitFor();
    await wb.typeNewLine('export const tripled = ');
    await wb.press('Alt+\\');
    assert.match(await ghostText(wb, 60_000), /subtotal \* 3;/);
    const before = fake.requestsTo('/infill').length;
    await wb.acceptGhostText();
    // No key pressed after Tab: the continuation must come by itself.
    const next = await ghostText(wb, 30_000);
    assert.match(next, /quadrupled = subtotal \* 4;/, `the next suggestion after Tab: ${next}`);
    const after = fake.requestsTo('/infill').slice(before);
    assert.ok(after.length >= 1, 'a request right after the accept');
    assert.ok(
      after.some((r) => (r.body as { input_prefix?: string }).input_prefix?.endsWith('export const tripled = subtotal * 3;') === true),
      'asked from the end of the accepted text',
    );
    const report = await whyReport(wb);
    assert.match(report, /went out 0 ms after the keystroke \(at once: you had just taken the whole previous suggestion\)/, report);
    assert.match(report, /Request policy: cost-aware/);
    assert.match(report, /Server busy while you typed/);
  });
});
