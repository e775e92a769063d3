/** Explain and Review from the editor's right-click menu in a real VS Code (code-server + chromium), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { until } from '../../support/wait';
import { useVscode } from '../harness/session';

/** Clicks a submenu item; a click that lands while the submenu is still settling is retried with Enter on the focused item. */
async function pickMenuItem(page: Page, label: string): Promise<void> {
  const menus = page.locator('.context-view .monaco-menu');
  const item = menus.locator('.action-item .action-label', { hasText: label }).first();
  await item.waitFor();
  await item.hover();
  await item.click();
  const closed = await menus
    .first()
    .waitFor({ state: 'hidden', timeout: 3000 })
    .then(() => true)
    .catch(() => false);
  if (!closed) {
    await item.hover();
    await page.keyboard.press('Enter');
    await menus.first().waitFor({ state: 'hidden' });
  }
}

// Quotes from sample-workspace/src/cart.ts: two real ones, one invented.
const reviewAnswer = JSON.stringify({
  summary: 'Mostly fine.',
  findings: [
    {
      severity: 'medium',
      category: 'bug',
      startLine: 21,
      endLine: 21,
      quote: 'if (!discount || subtotal < (discount.minimumCents ?? 0)) {',
      explanation: 'UIMARK-minimum: a subtotal equal to the minimum gets no discount.',
      replacement: 'if (!discount || subtotal <= (discount.minimumCents ?? 0)) {',
    },
    { severity: 'low', category: 'readability', startLine: 2, endLine: 2, quote: 'readonly sku: string;', explanation: 'UIMARK-sku: document the SKU format.', replacement: '' },
    { severity: 'high', category: 'security', startLine: 5, endLine: 5, quote: 'eval(userInput);', explanation: 'UIMARK-invented: eval of user input.', replacement: '' },
  ],
});

suite('Explain and Review from the context menu (UI)', () => {
  const vs = useVscode({ mode: 'development' });

  test('right-click → Tiered → Review Selection: grounded findings in Problems and the findings list, quick fix applies', async () => {
    const { wb, fake, workspace } = vs();
    const page = wb.page;
    fake.script({ match: { path: '/api/chat', promptIncludes: 'careful, experienced code reviewer' }, text: reviewAnswer });
    await wb.openFile('src/cart.ts');
    await wb.selectAll();
    // The "Tiered" submenu lists the three commands.
    await wb.contextMenu('Tiered');
    const submenuItems = page.locator('.context-view .monaco-menu .action-item .action-label');
    await submenuItems.filter({ hasText: 'Review Selection' }).first().waitFor();
    const labels = await submenuItems.allInnerTexts();
    for (const want of ['Explain Selection', 'Review Selection', 'Ask Tiered About Selection']) {
      assert.ok(labels.some((l) => l.includes(want)), `submenu has ${want}: ${labels.join(' | ')}`);
    }
    await pickMenuItem(page, 'Review Selection');

    const chat = await until(() => fake.requests.find((r) => r.path === '/api/chat'), 60_000);
    assert.ok(chat, 'the review reached the fake server');
    await wb.waitForNotification(/2 findings in src\/cart\.ts.*1 finding was dropped/, 60_000);

    // The findings list (a webview) shows the grounded findings, not the invented one.
    const list = await wb.waitForWebview('ol.findings', 30_000);
    const listText = await list.locator('body').innerText();
    assert.match(listText, /UIMARK-minimum/);
    assert.match(listText, /UIMARK-sku/);
    assert.doesNotMatch(listText, /UIMARK-invented/);
    // Clicking a finding's line link jumps to its code.
    await list.locator('a', { hasText: 'Line 22' }).first().click();
    // The click lands in the findings webview, which may keep focus; Ctrl+1 focuses the code's editor group without
    // moving its cursor, so the status bar shows where the jump put it.
    await page.locator('.editor-instance .monaco-editor .view-overlays .selected-text').first().waitFor({ timeout: 30_000 });
    await wb.press('Control+1');
    await page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /Ln 22,/ }).first().waitFor();

    await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const rows = page.locator('.markers-panel .monaco-list-row');
    await rows.filter({ hasText: 'UIMARK-minimum' }).first().waitFor();
    await rows.filter({ hasText: 'UIMARK-sku' }).first().waitFor();
    assert.equal(await rows.filter({ hasText: 'UIMARK-invented' }).count(), 0, 'the invented finding is not in Problems');
    assert.match(await rows.filter({ hasText: 'UIMARK-minimum' }).first().innerText(), /Tiered review/);
    await wb.screenshot('ui-review-problems');

    // Quick fix from the editor: cursor on the finding, Ctrl+. and pick "apply suggested fix".
    await wb.openFile('src/cart.ts');
    await wb.goToLine(22, 20);
    await wb.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'apply suggested fix' }).first();
    await fix.waitFor();
    // The preferred fix is focused first; Enter picks it (a mouse click is blocked by the context view's pointer block).
    const focused = page.locator('.action-widget .monaco-list-row.focused').first();
    assert.match(await focused.innerText(), /apply suggested fix/);
    await wb.press('Enter');
    await wb.press('Control+S');
    const saved = await until(() => (fs.readFileSync(path.join(workspace, 'src', 'cart.ts'), 'utf8').includes('subtotal <= (discount.minimumCents ?? 0)') ? true : undefined));
    assert.ok(saved, 'the replacement was applied and saved');
    await rows.filter({ hasText: 'UIMARK-minimum' }).first().waitFor({ state: 'detached' });
  });

  test('right-click → Tiered → Explain Selection streams the explanation into the chat', async () => {
    const { wb, fake } = vs();
    const page = wb.page;
    fake.script({ match: { path: '/api/chat', promptIncludes: 'expert programmer explaining code' }, text: 'UIEXPLAIN subtotalCents multiplies each unit price by its quantity and sums them.', tokensPerSecond: 40 });
    await wb.press('Escape');
    await wb.openFile('src/cart.ts');
    await wb.goToLine(18, 5);
    await wb.contextMenu('Tiered');
    await pickMenuItem(page, 'Explain Selection');
    const asked = await until(() => fake.requests.find((r) => r.path === '/api/chat' && JSON.stringify(r.body).includes('expert programmer explaining code')), 60_000);
    assert.ok(asked, `the explain request reached the fake server (requests: ${fake.requests.map((r) => r.path).join(', ')}; notifications: ${(await wb.notifications()).join(' | ')})`);
    // The explanation is a new turn in the chat view, with the question, the tier badge and the streamed answer.
    const frame = await wb.waitForWebview('textarea', 60_000);
    const answer = frame.locator('article.message.assistant', { hasText: 'UIEXPLAIN' }).last();
    await answer.waitFor({ timeout: 60_000 });
    await frame.locator('article.message.assistant', { hasText: 'sums them.' }).last().waitFor({ timeout: 60_000 });
    assert.match((await frame.locator('article.message.user').last().textContent()) ?? '', /Explain: src\/cart\.ts/);
    assert.match((await answer.locator('.badge').first().textContent()) ?? '', /· /);
    const chat = fake.requests.filter((r) => r.path === '/api/chat').at(-1);
    // No selection: the right-click put the cursor inside a function, and that whole function was explained.
    const prompt = (chat?.body as { messages: { content: string }[] }).messages[0]!.content;
    assert.match(prompt, /Selected code: src\/cart\.ts \(lines \d+-\d+\)\n```typescript\nexport function \w+\(/);
    // The explained lines are the answer's source: a chip naming the same lines as the prompt.
    const lines = /Selected code: src\/cart\.ts \(lines (\d+)-(\d+)\)/.exec(prompt);
    const chip = frame.locator('article.message.assistant', { hasText: 'sums them.' }).last().locator('.source-chip').first();
    await chip.waitFor({ timeout: 60_000 });
    assert.equal((await chip.textContent())?.trim(), `src/cart.ts:${lines?.[1]}-${lines?.[2]}`);
    await wb.screenshot('ui-explain-streamed');
  });
});
