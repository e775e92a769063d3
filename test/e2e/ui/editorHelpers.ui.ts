/**
 * Checks the harness's own editor helpers in the real workbench (open a file, type, read the text back, ghost text,
 * Tab to accept, context menu, command palette), so later feature tests can rely on them.
 */
import * as assert from 'node:assert/strict';
import { useVscode } from '../harness/session';

suite('UI harness helpers in VS Code (UI)', () => {
  const vs = useVscode({ mode: 'packaged' });

  // First in the suite on purpose: nothing of Tiered has been opened yet, as for a user who just starts typing.
  test('typing in a fresh window shows ghost text from the model server, and Tab accepts it', async () => {
    const { wb, fake } = vs();
    // Tiered activates on startup and then shows its status-bar item; a provider registered after the last
    // keystroke would only answer at the next one, so wait for it like a user who sees the item appear.
    await wb.waitForStatusBarItem(/Tiered/);
    await wb.openFile('src/cart.ts');
    await wb.typeNewLine('export function cartItemCount(items: readonly CartItem[]): number {');
    await wb.press('Enter');
    const ghost = await wb.ghostText(60_000).catch((error: unknown) => {
      const seen = fake.requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none';
      throw new Error(`No ghost text within 60 s (requests the fake server saw: ${seen}). Is Tiered activated on startup? ${String(error).split('\n')[0]}`);
    });
    assert.match(ghost, /fake completion/, `ghost text: ${ghost}`);
    assert.ok(
      fake.requests.some((r) => r.path === '/api/generate'),
      'the completion came from the fake server',
    );
    await wb.acceptGhostText();
    const text = await wb.editorText();
    assert.ok(text.includes(ghost.trim()), `accepted text is in the document:\n${text.slice(-400)}`);
  });

  test('open a file, type at its end, and read the text back from the editor', async () => {
    const { wb } = vs();
    await wb.openFile('src/cart.ts');
    await wb.typeNewLine('export const harnessMarker = 42;');
    const text = await wb.editorText();
    assert.match(text, /export const harnessMarker = 42;/);
    assert.equal(await wb.hasNoGhostText(), true, 'no inline suggestion without a completion provider answer');
  });

  test('the editor context menu opens and lists its commands', async () => {
    const { wb } = vs();
    await wb.openFile('scripts/report.py');
    const labels = await wb.contextMenuLabels();
    assert.ok(
      labels.some((l) => /Command Palette/i.test(l)),
      `context menu: ${labels.join(' | ')}`,
    );
  });
});
