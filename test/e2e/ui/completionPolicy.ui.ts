/**
 * The completion request policy as a user meets it, in the real VS Code with the packaged extension and a fake
 * llama-server (a TEST DOUBLE that records every request): completions go to llama-server's /infill pinned to
 * one slot with the prompt cache on.
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
});
