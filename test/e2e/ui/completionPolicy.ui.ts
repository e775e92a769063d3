/**
 * The completion request policy as a user meets it, in the real VS Code with the packaged extension and a fake
 * llama-server (a TEST DOUBLE that records every request): completions go to llama-server's /infill pinned to
 * one slot with the prompt cache on, and after Tab accepts a suggestion the next one is requested at once (from
 * the end of the accepted text) and shows without another keystroke.
 *
 * Why the accept case once timed out: the harness's `acceptGhostText` waits for the ghost text to detach after
 * Tab, but the continuation (instant from the fake) replaces it at once, so the old element never detaches
 * while a ghost is on screen. Here Tab is pressed and the NEW ghost text is polled for instead.
 */
import * as assert from 'node:assert/strict';
import { FakeOpenAiServer } from '../../fixtures/fakeOpenAiServer';
import { useVscode } from '../harness/session';
import { whyNoCompletionReport } from '../harness/tieredUi';
import type { Workbench } from '../harness/workbench';

const ghostSelector = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text .view-line';

/** The ghost text on screen now ('' when none). */
async function ghostNow(wb: Workbench): Promise<string> {
  return (await wb.page.locator(ghostSelector).allInnerTexts()).join('').replace(/\u00a0/g, ' ');
}

async function ghostText(wb: Workbench, timeout: number): Promise<string> {
  await wb.page.locator(ghostSelector).first().waitFor({ timeout });
  // VS Code splits ghost text into one element per syntax token (and one per extra line).
  return (await wb.page.locator(ghostSelector).allInnerTexts()).join('').replace(/\u00a0/g, ' ');
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

  test('after Tab accepts a suggestion, the next one is requested at once from the end of the accepted text and shows without another keystroke', async () => {
    const { wb } = vs();
    const fake = server();
    fake.reset();
    // The continuation is asked from the end of the accepted text; the first answer for anything else.
    fake.script({ match: { path: '/infill', promptIncludes: 'const tripled = subtotal * 3;' }, text: ' // three times' });
    fake.script({ match: { path: '/infill' }, text: 'subtotal * 3;' });
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'cart.ts' }).waitFor({ timeout: 30_000 });
    await wb.typeNewLine('export const tripled = ');
    await wb.press('Alt+\\');
    assert.match(await ghostText(wb, 60_000), /subtotal \* 3;/);
    const before = fake.requestsTo('/infill').length;
    await wb.press('Tab');
    // No key pressed after Tab: the continuation must come by itself (polled: it replaces the accepted ghost at once).
    let next = '';
    const end = Date.now() + 60_000;
    while (!/three times/.test(next) && Date.now() < end) {
      await wb.page.waitForTimeout(100);
      next = await ghostNow(wb);
    }
    assert.match(next, /three times/, `the next suggestion after Tab: "${next}"`);
    const after = fake.requestsTo('/infill').slice(before);
    assert.ok(
      after.some((r) => (r.body as { input_prefix?: string }).input_prefix?.endsWith('export const tripled = subtotal * 3;') === true),
      `asked from the end of the accepted text: ${after.map((r) => JSON.stringify((r.body as { input_prefix?: string }).input_prefix?.slice(-40))).join(', ')}`,
    );
    assert.match(await wb.editorFullText(), /export const tripled = subtotal \* 3;/, 'Tab inserted the first suggestion');
    await wb.press('Escape');
    const report = (await whyNoCompletionReport(wb)).replace(/\n/g, ' ');
    assert.match(report, /at once: you had just taken the whole previous suggestion/, report);
    assert.match(report, /Request policy: cost-aware/);
  });
});
