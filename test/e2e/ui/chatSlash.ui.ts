/**
 * Saved prompts from the chat's `/` menu, in the real VS Code with the packaged extension and the fake Ollama
 * server (a TEST DOUBLE): typing `/` lists the library (a malformed file disabled with its error), filtering,
 * Enter runs the chosen prompt on the editor selection with its named input asked and its tier hint honoured,
 * text typed after the name is added to the prompt, and cancelling the input sends nothing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { sampleWorkspace } from '../harness/paths';
import { useVscode } from '../harness/session';
import type { Workbench } from '../harness/workbench';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

/** sample-workspace plus a workspace prompt (moe tier, one named input) and a malformed prompt file. */
function workspaceWithPrompts(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-slash-template-'));
  fs.cpSync(sampleWorkspace, dir, { recursive: true });
  const prompts = path.join(dir, '.tiered', 'prompts');
  fs.mkdirSync(prompts, { recursive: true });
  fs.writeFileSync(
    path.join(prompts, 'reviewer-summary.tiered.md'),
    [
      '---',
      'name: Reviewer Summary',
      'description: One paragraph for the code reviewer',
      'tier: moe',
      'variables:',
      '  focus:',
      '    description: What should the summary focus on?',
      '---',
      'Summarise this ${language} code from ${fileBasename} for a reviewer, focusing on ${input:focus}.',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(prompts, 'broken.tiered.md'), '---\nname: Broken\ntier: gigantic\n---\nbody\n');
  return dir;
}

const chatFrame = (wb: Workbench): Promise<FrameLocator> => wb.chatFrame();

/** Every message text of a recorded /api/chat request. */
function allText(body: unknown): string {
  return ((body as { messages?: { content: string }[] } | undefined)?.messages ?? []).map((m) => m.content).join('\n');
}

/** The last user message of a recorded /api/chat request. */
function lastUserText(body: unknown): string {
  const messages = (body as { messages?: { role: string; content: string }[] } | undefined)?.messages ?? [];
  return [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

async function until<T>(wb: Workbench, check: () => T | undefined, timeoutMs = 60_000): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined || Date.now() > end) {
      return value;
    }
    await wb.page.waitForTimeout(200);
  }
}

/** Selects whole lines `from`..`to` (1-based) of the active editor. */
async function selectLines(wb: Workbench, from: number, to: number): Promise<void> {
  await wb.goToLine(from, 1);
  for (let i = from; i <= to; i++) {
    await wb.press('Shift+ArrowDown');
  }
}

suite('Chat slash prompts (UI)', () => {
  const template = workspaceWithPrompts();
  const vs = useVscode({ mode: 'packaged', workspaceTemplate: template, settings: tiers });
  const chats = (): { path: string; model: string | undefined; body: unknown; rawBody: string }[] => vs().fake.requests.filter((r) => r.path === '/api/chat');

  suiteTeardown(() => fs.rmSync(template, { recursive: true, force: true }));

  test('typing / lists the saved prompts; Enter runs the chosen one on the selection, asking its input, on its tier', async () => {
    const { wb, fake, workspace } = vs();
    fake.script({ match: { path: '/api/chat' }, times: 1, text: 'SLASH-ANSWER: the discount is applied after the minimum check.' });
    await wb.openFile('src/cart.ts');
    // applyDiscount (lines 21-27) is selected; formatCents below it is not.
    await selectLines(wb, 21, 27);
    const frame = await chatFrame(wb);
    const input = frame.locator('textarea');
    await input.click();
    await input.press('/');

    const menu = frame.locator('[role="listbox"]');
    await menu.locator('[role="option"]', { hasText: 'Reviewer Summary' }).first().waitFor({ timeout: 30_000 });
    const rows = await menu.locator('[role="option"]').allInnerTexts();
    for (const name of ['Explain', 'Review', 'Write Tests', 'Reviewer Summary']) {
      assert.ok(rows.some((r) => r.includes(`/${name}`)), `"${name}" is listed: ${rows.join(' | ')}`);
    }
    const broken = menu.locator('[role="option"][aria-disabled="true"]', { hasText: 'broken' }).first();
    assert.match(await broken.innerText(), /cannot run: line 3/, 'the malformed file is shown disabled with its error');
    const ours = await menu.locator('[role="option"]', { hasText: 'Reviewer Summary' }).first().innerText();
    assert.match(ours, /workspace · moe tier · asks focus/);
    await wb.screenshot('ui-chat-slash-menu');

    // Filter, then Enter on the (only) match.
    await input.pressSequentially('reviewer s');
    const filtered = await menu.locator('[role="option"]').allInnerTexts();
    assert.equal(filtered.length, 1, `one match: ${filtered.join(' | ')}`);
    assert.equal(await input.getAttribute('aria-activedescendant'), await menu.locator('[role="option"]').first().getAttribute('id'));
    const before = chats().length;
    await input.press('Enter');

    // The named input is asked in VS Code's input box, like "Run Saved Prompt…".
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('input').waitFor({ timeout: 30_000 });
    assert.match(await quick.innerText(), /What should the summary focus on\?/);
    await quick.locator('input').fill('the minimum-spend rule');
    await wb.page.keyboard.press('Enter');

    const request = await until(wb, () => chats().slice(before)[0]);
    assert.ok(request, 'the prompt reached the fake server');
    assert.equal(request.model, 'qwen3:30b-a3b', 'the moe tier hint is honoured');
    const sent = lastUserText(request.body);
    assert.match(sent, /Summarise this typescript code from cart\.ts for a reviewer, focusing on the minimum-spend rule\./);
    assert.ok(sent.includes('const afterPercent = Math.round(subtotal * (1 - (discount.percent ?? 0) / 100));'), 'the selected code is sent');
    assert.ok(sent.indexOf('afterPercent') > sent.indexOf('Summarise this'), 'the code comes after the instructions');
    assert.doesNotMatch(allText(request.body), /export function formatCents/, 'only the selection, not the whole file');
    assert.doesNotMatch(sent, /^\/reviewer/m, 'the raw /command is not sent');
    assert.ok(fs.existsSync(path.join(workspace, '.tiered', 'prompts', 'broken.tiered.md')), 'the malformed file is untouched');

    // The answer streams into the chat, and the box is empty again.
    await frame.locator('article.message.assistant', { hasText: 'SLASH-ANSWER' }).first().waitFor({ timeout: 60_000 });
    assert.equal(await input.inputValue(), '');
    await wb.screenshot('ui-chat-slash-ran');
  });

  test('text after a built-in prompt name is added to it (Tab runs); cancelling a named input sends nothing', async () => {
    const { wb, fake } = vs();
    fake.script({ match: { path: '/api/chat' }, times: 1, text: 'EXPLAINED-WITH-EXTRA.' });
    await wb.openFile('src/cart.ts');
    await selectLines(wb, 17, 19);
    let frame = await chatFrame(wb);
    let input = frame.locator('textarea');
    await input.click();
    await input.press('/');
    await input.pressSequentially('explain mention the reduce callback');
    const first = frame.locator('[role="listbox"] [role="option"]').first();
    await first.waitFor({ timeout: 30_000 });
    assert.match(await first.innerText(), /\/Explain[\s\S]*mention the reduce callback/, 'the extra text is shown with the prompt');
    const before = chats().length;
    await input.press('Tab');

    const request = await until(wb, () => chats().slice(before)[0]);
    assert.ok(request, 'the prompt reached the fake server');
    // Built-in Explain is routed as Explain Selection is (one source of truth): 3 selected lines → small tier.
    assert.equal(request.model, 'llama3.2:3b', 'the built-in Explain runs on the tier Explain Selection picks for 3 lines');
    const sent = lastUserText(request.body);
    assert.match(sent, /Explain what the following typescript code from cart\.ts does\./);
    const extraAt = sent.indexOf('mention the reduce callback');
    assert.ok(extraAt > sent.indexOf('Be concise'), 'the extra text follows the instructions');
    assert.ok(sent.indexOf('items.reduce(') > extraAt, 'the selected code stays at the end');
    await frame.locator('article.message.assistant', { hasText: 'EXPLAINED-WITH-EXTRA' }).first().waitFor({ timeout: 60_000 });

    // Write Tests asks for its framework; Esc in that input box cancels: nothing is sent.
    frame = await chatFrame(wb);
    input = frame.locator('textarea');
    await input.click();
    await input.press('/');
    await input.pressSequentially('write tests');
    await frame.locator('[role="listbox"] [role="option"]', { hasText: 'Write Tests' }).first().waitFor({ timeout: 30_000 });
    const count = chats().length;
    const asksBefore = fake.requests.length;
    await input.press('Enter');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('input').waitFor({ timeout: 30_000 });
    assert.match(await quick.innerText(), /Test framework to use/);
    await wb.page.keyboard.press('Escape');
    await quick.waitFor({ state: 'hidden', timeout: 10_000 });
    // Give a wrongly sent request every chance to arrive (the fake records it on receipt), then check none did.
    await wb.page.waitForTimeout(3000);
    assert.equal(chats().length, count, 'cancelling the input sent nothing');
    assert.ok(fake.requests.slice(asksBefore).every((r) => r.path !== '/api/chat'));
    assert.equal(await frame.locator('article.message.user', { hasText: 'Write unit tests' }).count(), 0, 'no turn was added to the chat');
    assert.equal(await input.inputValue(), '/write-tests', 'the cancelled command is back in the message box');
  });
});
