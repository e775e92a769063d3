/** With no model server answering, the packaged extension tells the user what to do (no fake involved). */
import * as assert from 'node:assert/strict';
import { isPortClosed } from '../../support/net';
import { useVscode } from '../harness/session';

function unusedPortGuess(): number {
  // Chosen at suite load (before the session starts); the test skips itself if something does listen there.
  return 1 + Math.floor(Math.random() * 1000) + 40000;
}

suite('Packaged Tiered with no model server (UI)', () => {
  const port = unusedPortGuess();
  const vs = useVscode({ mode: 'packaged', settings: { 'tiered.ollama.baseUrl': `http://127.0.0.1:${port}` } });

  test('the Models view explains that no model server answered and offers Check Connection', async function () {
    if (!(await isPortClosed(port))) {
      this.skip();
    }
    const { wb } = vs();
    await wb.openViewContainer('Tiered');
    const pane = wb.viewPane('Models');
    await pane.getByText(/No model server answered/).waitFor({ timeout: 60_000 });
    const text = await pane.innerText();
    assert.match(text, /ollama serve/);
    assert.match(text, /Check Connection/);
    await wb.screenshot('ui-no-server');
  });
});
