/** Steps the Tiered UI tests share: the chat box, "Why No Completion?", and polling the fake server's log. */
import type { FrameLocator } from 'playwright-core';
import type { Workbench } from './workbench';

/** Types a message into the chat webview's box and sends it with Enter. */
export async function sendChatMessage(frame: FrameLocator, text: string): Promise<void> {
  const input = frame.locator('textarea');
  await input.click();
  await input.fill(text);
  await input.press('Enter');
}

/** The extension's own "Why No Completion?" report (opened beside the editor; the caller refocuses if needed). */
export async function whyNoCompletionReport(wb: Workbench): Promise<string> {
  await wb.runCommand('Tiered: Why No Completion?');
  await wb.page.locator('.tabs-container .tab.active', { hasText: 'Why no completion.md' }).waitFor({ timeout: 30_000 });
  return wb.editorFullText();
}

/** Polls `check` (a cheap read, such as the fake server's request log) until it holds; returns whether it did. */
export async function until(wb: Workbench, check: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) {
      return false;
    }
    await wb.page.waitForTimeout(200);
  }
  return true;
}

/** Opens the chat's `@` file picker, filters it by `name` and chooses the first row showing it; returns that row's text. */
export async function pickFileWithAt(wb: Workbench, frame: FrameLocator, name: string): Promise<string> {
  const input = frame.locator('textarea');
  await input.click();
  await input.fill('');
  await input.press('@');
  const quick = wb.page.locator('.quick-input-widget');
  await quick.locator('input').waitFor({ timeout: 30_000 });
  await quick.locator('input').fill(name);
  const row = quick.locator('.monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: 30_000 });
  const rowText = await row.innerText();
  await row.click();
  return rowText;
}
