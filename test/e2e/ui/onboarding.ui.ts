/**
 * A newcomer's first minutes in the packaged extension: no server answers → the welcome view and the walkthrough
 * guide; the server starts → the status bar turns healthy without a click (the health watcher's back-off).
 * The late server is a second fake Ollama (TEST DOUBLE) started on the port the settings already name.
 */
import * as assert from 'node:assert/strict';
import { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';
import { freePort } from '../../support/net';
import { useVscode } from '../harness/session';

// Chosen at load, before the session starts; a late fake listens there later.
let latePort = 0;
const portReady = freePort().then((p) => (latePort = p));

suite('Onboarding in VS Code (UI)', () => {
  let late: FakeOllamaServer | undefined;
  suiteSetup(async () => {
    await portReady;
  });
  const vs = useVscode({ mode: 'packaged', settings: { get 'tiered.ollama.baseUrl'() { return `http://127.0.0.1:${latePort}`; } } });

  suiteTeardown(async () => {
    await late?.close();
  });

  test('with no server, the welcome view offers Connect and Get Started, and the walkthrough explains ollama serve', async () => {
    const { wb } = vs();
    await wb.openViewContainer('Tiered');
    const pane = wb.viewPane('Models');
    await pane.getByText(/No model server answered/).waitFor({ timeout: 60_000 });
    const text = await pane.innerText();
    assert.match(text, /ollama serve/);
    assert.match(text, /Connect to a Model Server/);
    assert.match(text, /Get Started/);
    assert.match(text, /Check Connection/);
    await wb.screenshot('ui-no-server');
    await wb.runCommand('Tiered: Get Started');
    const walkthrough = wb.page.locator('.gettingStartedContainer');
    await walkthrough.getByText(/Connect to a model server/).first().waitFor({ timeout: 60_000 });
    const wtText = await walkthrough.innerText();
    assert.match(wtText, /Choose models for the three tiers/);
    assert.match(wtText, /Try an inline completion/);
    assert.match(wtText, /Try the chat/);
    await wb.screenshot('ui-onboarding-walkthrough');
  });

  test('with no server, a chat message is answered by an error that says so and offers to start it (never silence)', async () => {
    const { wb } = vs();
    const frame = await wb.chatFrame();
    const input = frame.locator('textarea');
    await input.click();
    await input.fill('Is anybody there?');
    await input.press('Enter');
    const box = frame.locator('.messages .error-box').first();
    await box.waitFor({ timeout: 60_000 });
    assert.match((await box.innerText()) ?? '', /Cannot reach the model server/);
    await box.locator('button', { hasText: /Start the server/ }).first().waitFor({ timeout: 10_000 });
    // The question stays in the conversation, to be asked again once the server runs.
    assert.equal(await frame.locator('article.message.user', { hasText: 'Is anybody there?' }).count(), 1);
    await wb.screenshot('ui-chat-no-server');
  });

  test('when the server starts, the status bar turns healthy by itself', async () => {
    const { wb } = vs();
    const item = wb.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: /Tiered/ }).first();
    await item.waitFor({ timeout: 30_000 });
    late = await FakeOllamaServer.start({ port: latePort });
    // Back-off while down is 2, 4, 8, 16 s… capped at 60 s: it must notice within about a minute.
    await wb.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: /Tiered · / }).first().waitFor({ timeout: 90_000 });
    const text = await wb.page.locator('#workbench\\.parts\\.statusbar').innerText();
    assert.match(text, /Tiered · \S+/, text);
    await wb.screenshot('ui-onboarding-healthy');
  });
});
