/**
 * The workspace index in a multi-root workspace, in the real VS Code with the packaged extension and the fake
 * Ollama server (a TEST DOUBLE that records every prompt): both folders of a .code-workspace are indexed (each with
 * its own .gitignore), a chat question about a function in the second folder gets it in the prompt and as a source
 * chip named `folder/path:lines`, and the chip opens the file of that folder.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useVscode } from '../harness/session';
import { sendChatMessage as send, until } from '../harness/tieredUi';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

const files: Record<string, string> = {
  'api/src/billing.ts': 'export function settleInvoiceBalance(invoice: { total: number; paid: number }): number {\n  return invoice.total - invoice.paid;\n}\n',
  'api/.gitignore': 'gen/\n',
  'api/gen/client.ts': 'export function settleInvoiceBalance(): number {\n  return 0;\n}\n',
  'web/src/render.ts': 'export function renderInvoiceRow(cells: string[]): string {\n  return `<tr>${cells.join("")}</tr>`;\n}\n',
  // Not ignored: only the api folder's .gitignore names gen/.
  'web/gen/icons.ts': 'export const iconSheetForInvoices: string[] = [];\n',
  'multi.code-workspace': JSON.stringify({ folders: [{ path: 'api', name: 'api' }, { path: 'web', name: 'web' }] }),
};

/** Every message text of a recorded /api/chat request. */
function allText(body: unknown): string {
  return ((body as { messages?: { content: string }[] } | undefined)?.messages ?? []).map((m) => m.content).join('\n');
}

suite('Chat sources in a multi-root workspace (UI)', () => {
  const vs = useVscode({
    mode: 'packaged',
    settings: tiers,
    prepareWorkspace: (workspace) => {
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
        writeFileSync(path.join(workspace, file), text);
      }
    },
    openPath: (workspace) => path.join(workspace, 'multi.code-workspace'),
  });
  const chatBodies = (marker: string): unknown[] => vs().fake.requests.filter((r) => r.path === '/api/chat' && r.rawBody.includes(marker)).map((r) => r.body);

  test('both folders are indexed, and a chip names the folder and opens the file there', async () => {
    const { wb, fake, tieredLog } = vs();
    // api: .gitignore and src/billing.ts (gen/ ignored there); web: src/render.ts and gen/icons.ts.
    assert.ok(await until(wb, () => /index: 4 files, \d+ chunks/.test(tieredLog()), 120_000), `both folders were indexed, each with its own .gitignore:\n${tieredLog().slice(-2000)}`);

    fake.script({ match: { path: '/api/chat', promptIncludes: 'MR-WEB' }, times: 1, text: 'It renders a row: MR-WEB-ANSWER.' });
    const frame = await wb.chatFrame();
    await send(frame, 'Where is renderInvoiceRow defined? (MR-WEB)');
    const answer = frame.locator('article.message.assistant.status-complete', { hasText: 'MR-WEB-ANSWER' }).first();
    await answer.waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => chatBodies('MR-WEB').length === 1), 'the question reached the server');
    const prompt = allText(chatBodies('MR-WEB')[0]);
    assert.match(prompt, /File web\/src\/render\.ts:1-3:/, 'the chunk is named by folder and path');
    assert.match(prompt, /export function renderInvoiceRow\(cells: string\[\]\): string/);

    const chip = answer.locator('button.source-chip.source-codebase', { hasText: /^web\/src\/render\.ts:1-3$/ }).first();
    await chip.waitFor({ timeout: 30_000 });
    await chip.click();
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'render.ts' }).waitFor({ timeout: 30_000 });
    assert.match(await wb.editorFullText(), /renderInvoiceRow/, 'the chip opened the file of the web folder');

    fake.script({ match: { path: '/api/chat', promptIncludes: 'MR-API' }, times: 1, text: 'It subtracts: MR-API-ANSWER.' });
    await send(frame, 'How does settleInvoiceBalance work? (MR-API)');
    await frame.locator('article.message.assistant.status-complete', { hasText: 'MR-API-ANSWER' }).first().waitFor({ timeout: 60_000 });
    assert.ok(await until(wb, () => chatBodies('MR-API').length === 1));
    const apiPrompt = allText(chatBodies('MR-API')[0]);
    assert.match(apiPrompt, /File api\/src\/billing\.ts:1-3:/, 'the other folder is searched too');
    assert.doesNotMatch(apiPrompt, /gen\/client\.ts/, "the api folder's .gitignore is honoured");
  });
});
