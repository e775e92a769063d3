/** The packaged .vsix in a real VS Code (code-server + chromium) against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import { useVscode } from '../harness/session';

suite('Packaged Tiered in VS Code (UI)', () => {
  const vs = useVscode({ mode: 'packaged' });

  test('the .vsix installs and activates: the Tiered activity-bar item opens the Models view with the fake models', async () => {
    const { wb, fake } = vs();
    await wb.openViewContainer('Tiered');
    await wb.viewPane('Models').waitFor();
    // The chat takes most of the side bar at first, and a tree draws only the rows on screen: make room.
    await wb.collapseViewPane('Chat');
    await wb.collapseViewPane('Prompts');
    await wb.waitForTreeItem('Models', 'qwen2.5-coder:1.5b');
    const labels = await wb.treeLabels('Models');
    for (const name of ['qwen2.5-coder:7b', 'llama3.2:3b']) {
      assert.ok(
        labels.some((l) => l.includes(name)),
        `Models view shows ${name}: ${labels.join(' | ')}`,
      );
    }
    assert.ok(
      labels.some((l) => l.includes(fake.url.replace('http://', '')) || /ollama/i.test(l)),
      `Models view shows the Ollama endpoint: ${labels.join(' | ')}`,
    );
    await wb.screenshot('ui-models-view');
  });

  test('"Tiered: Check Connection" from the command palette names the fake models in a notification and in the log', async () => {
    const { wb } = vs();
    await wb.clearNotifications();
    await wb.runCommand('Tiered: Check Connection');
    const { fake } = vs();
    const message = await wb.waitForNotification(/qwen2\.5-coder:1\.5b/);
    assert.match(message, new RegExp(`ollama: ${fake.installed.length} models`), message);
    assert.match(message, /codegemma:2b/);
    // The command opens its log; the report is in the Output panel and in the log file behind it.
    // The panel may still show another channel for a moment; Show Log brings the Tiered channel to the front.
    let panel = await wb.panelText();
    for (let i = 0; i < 5 && !/starcoder2:3b: family starcoder2/.test(panel); i++) {
      await wb.runCommand('Tiered: Show Log');
      await wb.page.waitForTimeout(1000);
      panel = await wb.panelText();
    }
    assert.match(panel, /starcoder2:3b: family starcoder2/, `Output panel shows the report:\n${panel.slice(0, 1500)}`);
    const log = vs().tieredLog();
    for (const name of ['qwen2.5-coder:1.5b', 'qwen3:30b-a3b', 'codestral:22b']) {
      assert.ok(log.includes(name), `the Tiered log lists ${name}:\n${log.slice(-1500)}`);
    }
    await wb.screenshot('ui-check-connection');
  });
});
