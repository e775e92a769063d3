/**
 * Checks the harness's own editor helpers in the real workbench (open a file, type, read the text back,
 * context menu, command palette), so later feature tests can rely on them.
 */
import * as assert from 'node:assert/strict';
import { useVscode } from '../harness/session';

suite('UI harness helpers in VS Code (UI)', () => {
  const vs = useVscode({ mode: 'packaged' });

  test('open a file, type at its end, and read the text back from the editor', async () => {
    const { wb } = vs();
    await wb.openFile('src/cart.ts');
    await wb.goToEnd();
    await wb.press('Enter');
    await wb.type('export const harnessMarker = 42;');
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
