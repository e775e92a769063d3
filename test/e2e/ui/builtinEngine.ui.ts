/**
 * A newcomer with no model server at all, in the real VS Code with the PACKAGED linux-x64 .vsix (it carries
 * node-llama-cpp and this platform's llama.cpp binary): the welcome view offers Tiered's built-in engine, one
 * consent downloads the project's generated tiny GGUF from a local HTTP server (Hugging Face's layout, Range
 * support, throttled so that the progress notification is seen), then ghost text and a chat answer come from the
 * engine. No fake model server answers anything: the fake Ollama the harness starts is not configured (Tiered
 * points at a closed port) and its request log must stay empty.
 *
 * The catalogue entry of the generated model (with its real sha256) is given through the user setting
 * `tiered.engine.catalogue`; the download source through `tiered.engine.downloadBaseUrl`.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeTinyModel } from '../../real/makeGguf';
import { freePort } from '../../support/net';
import { repoRoot } from '../harness/paths';
import { useVscode } from '../harness/session';

const repo = 'tiered/test-models';
const file = 'tiny-coder.gguf';
const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-engine-ui-'));
const model = writeTinyModel('small', modelDir);
const bytes = fs.readFileSync(model.path);
const sha256 = createHash('sha256').update(bytes).digest('hex');

/** The local download server: GET (with Range) of the one file, in small slices so a download takes a few seconds. */
class ModelServer {
  private constructor(
    private readonly server: http.Server,
    readonly requests: { path: string; range: string | undefined }[],
  ) {}

  static async start(): Promise<ModelServer> {
    const requests: { path: string; range: string | undefined }[] = [];
    const server = http.createServer((req, res) => {
      requests.push({ path: req.url ?? '', range: req.headers.range });
      if (req.url !== `/${repo}/resolve/main/${file}`) {
        res.writeHead(404).end();
        return;
      }
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length - start), ...(m ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) });
      // 64 KiB every 25 ms: ~110 slices, about 3 s for the 7 MB model; bounded by the file's size.
      let at = start;
      const next = (): void => {
        if (res.destroyed) {
          return;
        }
        if (at >= bytes.length) {
          res.end();
          return;
        }
        const end = Math.min(bytes.length, at + 64 * 1024);
        res.write(bytes.subarray(at, end));
        at = end;
        setTimeout(next, 25);
      };
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ModelServer(server, requests);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The platform .vsix the test installs: $TIERED_ENGINE_VSIX, else packaged here from the current dist/. */
function platformVsix(): string {
  if (process.env.TIERED_ENGINE_VSIX) {
    return path.resolve(process.env.TIERED_ENGINE_VSIX);
  }
  const target = `${process.platform}-${process.arch}`;
  execFileSync('node', ['scripts/package.mjs', '--target', target, '--no-build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(repoRoot, `${pkg.name}-${pkg.version}-${target}.vsix`);
}

let server: ModelServer | undefined;
let closedPort = 0;
const ready = Promise.all([ModelServer.start(), freePort()]).then(([s, p]) => {
  server = s;
  closedPort = p;
});
const previousVsix = process.env.TIERED_VSIX;

suite('Built-in engine from the welcome view (UI)', () => {
  // Registered before the session's own setup, so that it installs this platform's .vsix.
  suiteSetup(async function () {
    this.timeout(240_000);
    await ready;
    process.env.TIERED_VSIX = platformVsix();
  });
  const vs = useVscode({
    mode: 'packaged',
    settings: {
      // Nothing listens there: no model server answers.
      get 'tiered.ollama.baseUrl'() {
        return `http://127.0.0.1:${closedPort}`;
      },
      get 'tiered.engine.downloadBaseUrl'() {
        return server?.url ?? '';
      },
      'tiered.engine.catalogue': {
        small: { name: 'tiny-coder', repo, revision: 'main', file, sha256, approxBytes: bytes.length, parameterBillions: 0.003 },
        code: { name: 'tiny-coder', repo, revision: 'main', file, sha256, approxBytes: bytes.length, parameterBillions: 0.003 },
      },
    },
  });
  suiteTeardown(async () => {
    if (previousVsix === undefined) {
      delete process.env.TIERED_VSIX;
    } else {
      process.env.TIERED_VSIX = previousVsix;
    }
    await server?.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  test('choose the built-in engine, download the model with visible progress, then ghost text and a chat answer come from it', async function () {
    this.timeout(600_000);
    const { wb, fake } = vs();
    await wb.openViewContainer('Tiered');
    const pane = wb.viewPane('Models');
    await pane.getByText(/No model server answered/).waitFor({ timeout: 90_000 });
    assert.match(await pane.innerText(), /Use a GGUF File I Already Have/);
    await pane.getByText("Use Tiered's Built-in Engine", { exact: true }).click();

    // One consent, naming what is downloaded and from where.
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const consent = (await dialog.innerText()).replace(/\u00a0/g, ' ');
    assert.match(consent, /tiny-coder/);
    assert.match(consent, new RegExp(`127\\.0\\.0\\.1:${new URL(server?.url ?? 'http://x').port}`));
    await wb.screenshot('ui-engine-consent');
    await dialog.locator('.monaco-button', { hasText: 'Download' }).first().click();

    // The download shows its progress in a notification.
    const progress = await wb.waitForNotification(/\d+(\.\d+)? [KM]B of \d+(\.\d+)? MB \(\d+ %\)/, 60_000);
    assert.ok(progress.length > 0);
    await wb.screenshot('ui-engine-download-progress');

    await wb.waitForNotification(/built-in engine is ready/, 180_000);
    const got = server?.requests.filter((r) => r.path === `/${repo}/resolve/main/${file}`) ?? [];
    assert.equal(got.length, 1, 'one download of the one model that serves both tiers');
    const stored = path.join(vs().server.userDataDir, 'User', 'globalStorage', 'tiered.tiered', 'models', 'tiny-coder.gguf');
    assert.equal(createHash('sha256').update(fs.readFileSync(stored)).digest('hex'), sha256, 'the downloaded file is the served one');
    await wb.clearNotifications();

    // Ghost text from the engine.
    await wb.openFile('src/cart.ts');
    await wb.goToEnd();
    await wb.typeNewLine('export function addNumbers(a: number, b: number): number {');
    await wb.press('Enter');
    const automatic = await wb.ghostText(90_000).then(
      () => true,
      () => false,
    );
    if (!automatic) {
      // The editor did not ask by itself (seen in fresh windows): ask as a user would, then the ghost text must come.
      await wb.press('Alt+\\');
      await wb.ghostText(90_000);
    }
    const ghost = (await wb.page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text').allInnerTexts()).join('').trim();
    assert.ok(ghost.length > 0, 'ghost text is shown');
    await wb.screenshot('ui-engine-ghost-text');

    // A chat answer from the engine.
    const frame = await wb.chatFrame();
    const input = frame.locator('textarea');
    await input.click();
    await input.fill('Say hello.');
    await input.press('Enter');
    const answer = frame.locator('article.message.assistant.status-complete').last();
    await answer.waitFor({ timeout: 180_000 });
    assert.ok(((await answer.innerText()) ?? '').trim().length > 0, 'the answer has text');
    assert.equal(await frame.locator('.messages .error-box').count(), 0, 'no error in the chat');
    await wb.screenshot('ui-engine-chat');

    // Everything came from the built-in engine: no fake server was asked anything, and the log says the engine ran.
    assert.equal(fake.requests.length, 0, `the fake Ollama got ${fake.requests.map((r) => r.path).join(', ')}`);
    assert.match(vs().tieredLog(), /built-in engine: ready \(cpu\)/);
  });
});
