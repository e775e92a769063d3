/**
 * Page helpers for the VS Code 1.100 web workbench served by code-server. Selectors verified on this version:
 * ../shared/reference/vscode-e2e.md §6. Add new helpers here so every UI test can use them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { resultsDir } from './paths';

/** Generous waits: 2 cores run code-server, the extension host, chromium and the test at once. */
export const UI_TIMEOUT = 30_000;

export interface OpenOptions {
  /** Absolute folder to open. */
  readonly folder: string;
  /** Workspace payload entries, e.g. `[['extensionDevelopmentPath', server.remoteUri(repoRoot)]]`. */
  readonly payload?: ReadonlyArray<readonly [string, string]>;
  /** Called with the exit code when an extensionTestsPath run finishes (window.codeAutomationExit). */
  readonly onAutomationExit?: (code: number) => void;
  /** Receives the extension host's console during an extensionTestsPath run (window.codeAutomationLog). */
  readonly onAutomationLog?: (type: string, args: unknown[]) => void;
  /** Viewport (default 1400x900). */
  readonly viewport?: { width: number; height: number };
}

function normalize(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Workbench {
  /** Browser console lines (errors and warnings), kept for failure reports. */
  readonly consoleLines: string[] = [];

  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
    readonly server: CodeServer,
  ) {
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        this.consoleLines.push(`[${msg.type()}] ${msg.text()}`);
      }
    });
    page.on('pageerror', (err) => this.consoleLines.push(`[pageerror] ${err.message}`));
  }

  /** Opens the workbench on a folder in a fresh browser context and waits for it to render. */
  static async open(browser: Browser, server: CodeServer, options: OpenOptions): Promise<Workbench> {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    context.setDefaultTimeout(UI_TIMEOUT);
    const page = await context.newPage();
    const onExit = options.onAutomationExit;
    if (onExit) {
      await page.exposeFunction('codeAutomationExit', (code: number) => onExit(code));
    }
    const onLog = options.onAutomationLog;
    if (onLog) {
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => onLog(type, args));
    }
    const wb = new Workbench(page, context, server);
    await page.goto(server.workbenchUrl(options.folder, options.payload));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
    return wb;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }

  // ---- activity bar, views ----

  /** The activity-bar item whose label starts with `label` (e.g. "Tiered"). */
  activityBarItem(label: string): Locator {
    return this.page.locator(`.activitybar .action-item a[aria-label^="${label}"]`);
  }

  /** Waits for an extension's activity-bar item (proof that its manifest was loaded). */
  async waitForActivityBarItem(label: string, timeout = 60_000): Promise<Locator> {
    const item = this.activityBarItem(label);
    await item.first().waitFor({ timeout });
    return item.first();
  }

  /** Opens the view container behind an activity-bar item (never toggles it closed when it is already open). */
  async openViewContainer(label: string): Promise<void> {
    const item = await this.waitForActivityBarItem(label);
    const sidebar = this.page.locator('#workbench\\.parts\\.sidebar');
    // The active item's <li> carries the class "checked"; clicking it again would hide the side bar.
    const li = item.locator('xpath=ancestor::li[1]');
    const active = /\bchecked\b/.test((await li.getAttribute('class')) ?? '');
    if (active && (await sidebar.isVisible())) {
      return;
    }
    await item.click();
    if (!(await sidebar.isVisible())) {
      // It was active with the side bar hidden, and the click toggled the other way: once more.
      await this.page.waitForTimeout(300);
      if (!(await sidebar.isVisible())) {
        await item.click();
      }
    }
    await sidebar.waitFor();
  }

  /** The pane of a view in the side bar, by its title (e.g. "Models"). */
  viewPane(title: string): Locator {
    return this.page.locator('.pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}`, 'i') }) });
  }

  /** Opens any view by name through Quick Open ("view <name>"). */
  async openView(name: string): Promise<void> {
    await this.quickOpen(`view ${name}`, name);
  }

  /** Labels (aria-label) of the rows of a tree/list view pane; expands nothing. */
  async treeLabels(title: string): Promise<string[]> {
    const rows = this.viewPane(title).locator('.monaco-list-row');
    const n = await rows.count();
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      out.push(normalize((await rows.nth(i).getAttribute('aria-label')) ?? (await rows.nth(i).innerText())));
    }
    return out;
  }

  /** Waits until a row of the view's tree has a label matching. */
  async waitForTreeItem(title: string, label: string | RegExp, timeout = UI_TIMEOUT): Promise<Locator> {
    const row = this.viewPane(title).locator('.monaco-list-row').filter({ hasText: label }).first();
    await row.waitFor({ timeout });
    return row;
  }

  // ---- commands, quick input ----

  /** Runs a command from the palette (F1) by its title as shown, e.g. "Tiered: Check Connection". */
  async runCommand(title: string): Promise<void> {
    await this.dismissQuickInput();
    await this.focusWorkbench();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
    await row.waitFor();
    // Prefer the exact title when several rows match.
    const exact = this.page.locator(`.quick-input-list .monaco-list-row[aria-label^="${title.replace(/"/g, '\\"')}"]`).first();
    if ((await exact.count()) > 0) {
      await exact.click();
    } else {
      await row.click();
    }
    // Done when the palette is gone, or has become the command's own quick pick (its input no longer a '>' query).
    await this.page
      .waitForFunction(
        "(() => { const w = document.querySelector('.quick-input-widget'); if (!w || getComputedStyle(w).display === 'none') return true; const i = w.querySelector('input'); return !!i && !i.value.startsWith('>'); })()",
        undefined,
        { timeout: 30_000 },
      )
      .catch(() => undefined);
  }

  /** Quick Open (Ctrl+P) with `text`, then picks the row containing `pick` (default: the first row). */
  async quickOpen(text: string, pick?: string | RegExp): Promise<void> {
    await this.dismissQuickInput();
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(text);
    const rows = this.page.locator('.quick-input-list .monaco-list-row');
    const row = pick ? rows.filter({ hasText: pick }).first() : rows.first();
    await row.waitFor();
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' }).catch(() => undefined);
  }

  async dismissQuickInput(): Promise<void> {
    if (await this.page.locator('.quick-input-widget').isVisible()) {
      await this.page.keyboard.press('Escape');
    }
  }

  private async focusWorkbench(): Promise<void> {
    // Keys go to the focused element; make sure it is inside the workbench, not the page body of an iframe.
    // A string, so this file needs no DOM typings.
    const active = String(await this.page.evaluate("document.activeElement ? document.activeElement.tagName : ''"));
    if (active === 'IFRAME' || active === 'BODY' || active === '') {
      await this.page.locator('#workbench\\.parts\\.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    }
  }

  // ---- editor ----

  /** Opens a workspace file by its relative path through Quick Open and waits for its editor to be focused. */
  async openFile(relativePath: string): Promise<Locator> {
    const base = path.basename(relativePath);
    await this.quickOpen(relativePath, base);
    await this.page.locator('.tabs-container .tab.active', { hasText: base }).waitFor();
    const editor = this.activeEditor();
    await editor.waitFor();
    await editor.locator('.view-lines').click();
    return editor;
  }

  /** The editor of the active editor group. */
  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /** The active editor's rendered lines and line numbers, each with its top offset (one round trip). */
  private async renderedLines(): Promise<{ lines: Array<[number, string]>; numbers: Array<[number, number]> }> {
    // A string, so this file needs no DOM typings.
    const data: unknown = await this.page.evaluate(`(() => {
      const ed = document.querySelector('.editor-group-container.active .editor-instance .monaco-editor');
      if (!ed) { return { lines: [], numbers: [] }; }
      const top = (el) => Math.round(parseFloat(el.style.top) || parseFloat(el.parentElement && el.parentElement.style.top) || 0);
      return {
        lines: [...ed.querySelectorAll('.view-lines .view-line')].map((l) => [top(l), l.textContent || '']),
        numbers: [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].map((n) => [top(n.parentElement || n), Number(n.textContent)]),
      };
    })()`);
    return (data ?? { lines: [], numbers: [] }) as { lines: Array<[number, string]>; numbers: Array<[number, number]> };
  }

  /**
   * Text of the rendered lines of the active editor, top to bottom (non-breaking spaces turned into spaces).
   * Lines that word wrap split are joined again (a rendered line without a line number continues the one above).
   * Monaco renders only what is in view (plus a margin): scroll first for long files.
   */
  async editorText(): Promise<string> {
    await this.activeEditor().waitFor();
    const { lines, numbers } = await this.renderedLines();
    const numbered = numbers.map(([top]) => top);
    const starts = new Set(numbered);
    const out: string[] = [];
    for (const [top, text] of [...lines].sort((a, b) => a[0] - b[0])) {
      if (out.length > 0 && starts.size > 0 && !starts.has(top)) {
        out[out.length - 1] += normalize(text);
      } else {
        out.push(normalize(text));
      }
    }
    return out.join('\n');
  }

  /**
   * The whole text of the active editor, however long: Monaco renders only the lines in view, so this reads the
   * view, scrolls half a view down and reads again until the last line number stops growing, keying lines by their
   * number (half a view, so a word-wrapped line cut at the bottom of one view is whole in the next).
   */
  async editorFullText(): Promise<string> {
    const editor = this.activeEditor();
    await editor.waitFor();
    await editor.locator('.view-lines').click();
    await this.press('Control+Home');
    const byLine = new Map<number, string>();
    let last = -1;
    for (let page = 0; page < 200; page++) {
      const { lines, numbers } = await this.renderedLines();
      const numberAt = new Map(numbers);
      let current: number | undefined;
      const seen = new Map<number, string>();
      for (const [top, text] of [...lines].sort((a, b) => a[0] - b[0])) {
        const n = numberAt.get(top);
        if (n !== undefined && Number.isFinite(n)) {
          current = n;
          seen.set(n, normalize(text));
        } else if (current !== undefined) {
          seen.set(current, (seen.get(current) ?? '') + normalize(text));
        }
      }
      for (const [n, text] of seen) {
        byLine.set(n, text);
      }
      const max = Math.max(-1, ...byLine.keys());
      if (max === last) {
        break;
      }
      last = max;
      const box = await editor.boundingBox();
      if (box === null) {
        break;
      }
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await this.page.mouse.wheel(0, Math.max(40, box.height / 2));
      await this.page.waitForTimeout(100);
    }
    return [...byLine.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text).join('\n');
  }

  /** Moves the cursor with Ctrl+G to a 1-based line (and column). */
  async goToLine(line: number, column?: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(column ? `:${line}:${column}` : `:${line}`);
    await this.page.keyboard.press('Enter');
  }

  /** Cursor to the end of the document. */
  async goToEnd(): Promise<void> {
    await this.page.keyboard.press('Control+End');
  }

  /** Starts a new line at the end of the focused editor and types `text` on it, like a user adding code. */
  async typeNewLine(text: string): Promise<void> {
    await this.goToEnd();
    await this.press('Enter');
    await this.type(text);
  }

  /** Types into the focused editor like a user (a key event per character). */
  async type(text: string, delayMs = 10): Promise<void> {
    await this.page.keyboard.type(text, { delay: delayMs });
  }

  /** Inserts text in one go (one input event, no key events): faster for long text. */
  async insertText(text: string): Promise<void> {
    await this.page.keyboard.insertText(text);
  }

  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  /** Waits for inline-completion ghost text in the active editor and returns its first line. */
  async ghostText(timeout = UI_TIMEOUT): Promise<string> {
    const ghost = this.page.locator('.monaco-editor .ghost-text-decoration').first();
    await ghost.waitFor({ timeout });
    return normalize(await ghost.innerText());
  }

  /** All ghost text shown: the first line plus the view-zone lines of a multi-line suggestion. */
  async allGhostText(timeout = UI_TIMEOUT): Promise<string> {
    await this.ghostText(timeout);
    const parts = await this.page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text .view-line').allInnerTexts();
    return normalize(parts.join('\n'));
  }

  /** True when no ghost text is shown. */
  async hasNoGhostText(): Promise<boolean> {
    return (await this.page.locator('.monaco-editor .ghost-text-decoration').count()) === 0;
  }

  /** Accepts the shown ghost text with Tab and waits for it to go away. */
  async acceptGhostText(): Promise<void> {
    await this.page.keyboard.press('Tab');
    await this.page.locator('.monaco-editor .ghost-text-decoration').first().waitFor({ state: 'detached' });
  }

  /** Selects all text in the active editor. */
  async selectAll(): Promise<void> {
    await this.activeEditor().locator('.view-lines').click();
    await this.page.keyboard.press('Control+A');
  }

  // ---- menus ----

  /** Right-clicks `target` (default: the active editor's text) and picks a context-menu item by label. */
  async contextMenu(item: string | RegExp, target?: Locator): Promise<void> {
    const where = target ?? this.activeEditor().locator('.view-lines');
    await where.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.first().waitFor();
    const entry = menu.locator('.action-item .action-label', { hasText: item }).first();
    await entry.waitFor();
    await entry.click();
  }

  /** Labels of the open context menu (for debugging and assertions). */
  async contextMenuLabels(target?: Locator): Promise<string[]> {
    const where = target ?? this.activeEditor().locator('.view-lines');
    await where.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.first().waitFor();
    const labels = (await menu.locator('.action-item .action-label').allInnerTexts()).map(normalize).filter((l) => l.trim() !== '');
    await this.page.keyboard.press('Escape');
    return labels;
  }

  // ---- status bar ----

  /** Waits for a status-bar item whose text matches (e.g. Tiered's connection item, shown once it is active). */
  async waitForStatusBarItem(text: string | RegExp, timeout = 60_000): Promise<Locator> {
    const item = this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: text }).first();
    await item.waitFor({ timeout });
    return item;
  }

  // ---- notifications ----

  /** Messages of the notification toasts shown now. */
  async notifications(): Promise<string[]> {
    const msgs = this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message');
    return (await msgs.allInnerTexts()).map(normalize);
  }

  /** Waits for a notification toast whose message matches and returns its message text. */
  async waitForNotification(text: string | RegExp, timeout = UI_TIMEOUT): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message', { hasText: text }).first();
    await toast.waitFor({ timeout });
    return normalize(await toast.innerText());
  }

  /** Clicks a button of the notification toast whose message matches. */
  async clickNotificationButton(text: string | RegExp, button: string): Promise<void> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { has: this.page.locator('.notification-list-item-message', { hasText: text }) }).first();
    await toast.locator('.monaco-button', { hasText: button }).first().click();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
  }

  // ---- panels, output ----

  /** Visible text of the bottom panel (e.g. the Output view after "Tiered: Show Log"). */
  async panelText(): Promise<string> {
    const panel = this.page.locator('#workbench\\.parts\\.panel');
    await panel.waitFor();
    return normalize(await panel.innerText());
  }

  // ---- webviews ----

  /**
   * The content frame of a webview (two nested iframes: the host frame, then `#active-frame`). With several
   * webviews visible, pass the index among the ready ones (document order).
   */
  webview(index = 0): FrameLocator {
    return this.page.locator('iframe.webview.ready').nth(index).contentFrame().frameLocator('iframe#active-frame');
  }

  /** Waits for a webview whose content has an element matching `selector` and returns that webview's frame. */
  async waitForWebview(selector: string, timeout = UI_TIMEOUT): Promise<FrameLocator> {
    const until = Date.now() + timeout;
    for (;;) {
      const n = await this.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < n; i++) {
        const frame = this.webview(i);
        if ((await frame.locator(selector).count().catch(() => 0)) > 0) {
          return frame;
        }
      }
      if (Date.now() > until) {
        throw new Error(`No webview with ${selector} within ${timeout} ms`);
      }
      await this.page.waitForTimeout(250);
    }
  }

  /**
   * Opens Tiered's chat view (a webview view in the Tiered container) and returns its content frame once an
   * element matching `readySelector` (default: the message box) is there. Click/type inside with the frame:
   * `(await wb.openChatView()).locator('textarea').fill('hi')`.
   */
  async openChatView(readySelector = 'textarea', timeout = 60_000): Promise<FrameLocator> {
    await this.openViewContainer('Tiered');
    const header = this.viewPane('Chat').locator('.pane-header');
    if ((await header.count()) > 0 && (await header.first().getAttribute('aria-expanded')) === 'false') {
      await header.first().click();
    }
    return this.waitForWebview(readySelector, timeout);
  }

  /** Collapses a view pane of the open container (its header toggles it), so the others get its room. */
  async collapseViewPane(title: string): Promise<void> {
    const header = this.viewPane(title).locator('.pane-header');
    if ((await header.count()) > 0 && (await header.first().getAttribute('aria-expanded')) === 'true') {
      await header.first().click();
    }
  }

  /**
   * The chat's frame, with its message box on screen: opens the Tiered container and expands the Chat pane when
   * needed (`openViewContainer` never toggles the side bar closed), then waits for a webview whose message box is
   * visible. Another webview on screen (a walkthrough step's Markdown, a findings panel) is never taken for it.
   */
  async chatFrame(timeout = 60_000): Promise<FrameLocator> {
    await this.openChatView('textarea', timeout);
    const until = Date.now() + timeout;
    for (;;) {
      const n = await this.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < n; i++) {
        const frame = this.webview(i);
        if (await frame.locator('textarea').first().isVisible().catch(() => false)) {
          return frame;
        }
      }
      if (Date.now() > until) {
        throw new Error(`No chat webview with a visible message box within ${timeout} ms`);
      }
      await this.page.waitForTimeout(250);
    }
  }

  // ---- artifacts ----

  /** Saves a full-page screenshot to test-results/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '_').slice(0, 150)}.png`);
    await this.page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
    return file;
  }

  /** Writes the browser console lines to test-results/<name>.console.txt. */
  saveConsole(name: string): string {
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '_').slice(0, 150)}.console.txt`);
    fs.writeFileSync(file, this.consoleLines.join('\n') + '\n');
    return file;
  }
}
