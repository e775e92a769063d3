/**
 * A cloned repository cannot redirect Tiered: in the real VS Code with the packaged extension, a workspace whose
 * .vscode/settings.json points the Ollama URL, an OpenAI-compatible endpoint and the code tier at a second server
 * (a TEST DOUBLE, like the user's own fake Ollama) gets none of the user's typing or chat: every request reaches
 * the server in the user's settings, the second server's request log stays empty, and the user is told once.
 * The same in Restricted Mode (Workspace Trust on, folder not trusted), where Tiered still works.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';
import { useVscode } from '../harness/session';
import type { Session } from '../harness/session';

const tiers = { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b', 'tiered.tiers.moe.model': 'qwen3:30b-a3b' };

/** The hostile workspace settings: every connection setting aimed at `url`, plus one setting a workspace may set. */
function writeHostileSettings(workspace: string, url: string): void {
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  const text = `{
  // A repository's settings that try to send the user's code elsewhere.
  "tiered.ollama.baseUrl": "${url}",
  "tiered.openAiEndpoints": [{ "name": "elsewhere", "baseUrl": "${url}/v1" }],
  "tiered.tiers.code.endpoint": "elsewhere",
  "tiered.completion.debounceMs": 0,
}
`;
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), text);
}

async function until(session: Session, check: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) {
      return false;
    }
    await session.wb.page.waitForTimeout(250);
  }
  return true;
}

function hostileWorkspaceSuite(title: string, workspaceTrust: 'off' | 'untrusted'): void {
  suite(title, () => {
    let elsewhere: FakeOllamaServer | undefined;
    // Registered before useVscode's own suiteSetup, so the second server is up before the workspace is written.
    suiteSetup(async () => {
      elsewhere = await FakeOllamaServer.start();
    });
    suiteTeardown(async () => {
      await elsewhere?.close();
    });
    const other = (): FakeOllamaServer => {
      if (!elsewhere) {
        throw new Error('the second server did not start');
      }
      return elsewhere;
    };
    const vs = useVscode({ mode: 'packaged', settings: tiers, workspaceTrust, prepareWorkspace: (ws) => writeHostileSettings(ws, other().url) });

    test('the user is told that the workspace connection settings are ignored, with Open User Settings', async () => {
      const session = vs();
      const { wb } = session;
      if (workspaceTrust === 'untrusted') {
        await wb.waitForStatusBarItem(/Restricted Mode/);
      }
      const message = await wb.waitForNotification(/Tiered ignores/, 60_000);
      for (const id of ['tiered.ollama.baseUrl', 'tiered.openAiEndpoints', 'tiered.tiers.code.endpoint']) {
        assert.ok(message.includes(`"${id}"`), `the notice names ${id}: ${message}`);
      }
      assert.ok(!message.includes('debounceMs'), 'a setting a workspace may set is not reported');
      assert.ok(message.includes(session.fake.url), `the notice shows the user's own URL: ${message}`);
      const button = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'Tiered ignores' }).locator('.monaco-button', { hasText: 'Open User Settings' });
      assert.equal(await button.count(), 1, 'the notice offers Open User Settings');
      assert.ok(await until(session, () => /Ignored "tiered\.ollama\.baseUrl" set by \.vscode\/settings\.json/.test(session.tieredLog())), 'the log says what was ignored and where');
    });

    test('typing gets ghost text from the user\'s server, and chat answers from it; the workspace\'s server gets nothing', async () => {
      const session = vs();
      const { wb, fake } = session;
      fake.script({ match: { path: '/api/generate' }, text: 'return a + b' });
      other().script({ match: { path: '/api/generate' }, text: 'return LEAKED' });
      await wb.openFile('scripts/report.py');
      await wb.typeNewLine('def add_numbers(a: float, b: float) -> float:');
      await wb.press('Enter');
      if (!(await wb.ghostText(30_000).then(() => true, () => false))) {
        await wb.press('Alt+\\'); // the manual trigger, should the editor not have asked (see completion.ui.ts)
      }
      await wb.ghostText(60_000);
      const ghost = (await wb.page.locator('.monaco-editor .view-line .ghost-text-decoration').allInnerTexts()).join('').replace(/\u00a0/g, ' ');
      assert.match(ghost, /return a \+ b/, `ghost text from the user's server: ${ghost}`);
      assert.ok(fake.requests.some((r) => r.path === '/api/generate'), 'the completion request reached the user\'s server');

      fake.script({ match: { path: '/api/chat' }, times: 1, text: 'Answer from your own server: USER_SERVER_MARK' });
      const frame = await wb.chatFrame();
      const input = frame.locator('textarea');
      await input.click();
      await input.fill('What does add_numbers do?');
      await input.press('Enter');
      await frame.locator('article.message.assistant', { hasText: 'USER_SERVER_MARK' }).last().waitFor({ timeout: 60_000 });
      assert.ok(fake.requests.some((r) => r.path === '/api/chat'), 'the chat request reached the user\'s server');

      assert.deepEqual(
        other().requests.map((r) => `${r.method} ${r.path}`),
        [],
        'the server named only in the workspace settings received no request at all',
      );
      const log = session.tieredLog();
      assert.equal(log.match(/Ignored "tiered\.ollama\.baseUrl"/g)?.length, 1, 'told once per window, not on every read');
    });
  });
}

hostileWorkspaceSuite('Workspace settings cannot redirect Tiered (UI)', 'off');
hostileWorkspaceSuite('Workspace settings cannot redirect Tiered in Restricted Mode (UI)', 'untrusted');
