// The download state machine against a local HTTP server that serves a GGUF model the project generates.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadModel, DownloadError, parseContentRangeTotal, partialPath } from '../../../src/engine/download';
import type { DownloadProgress } from '../../../src/engine/download';
import { buildGguf, MODEL_SPECS } from '../../real/makeGguf';

interface ServerBehaviour {
  /** Close the connection after this many body bytes. */
  cutAfter?: number;
  /** Answer 200 with the whole file even when asked for a range. */
  ignoreRange?: boolean;
  /** Serve these bytes instead of the model. */
  body?: Buffer;
  status?: number;
}

const model = buildGguf(MODEL_SPECS.small).bytes;
const modelSha = createHash('sha256').update(model).digest('hex');

suite('engine model download (local HTTP server, generated GGUF)', function () {
  this.timeout(30_000);
  let server: Server;
  let base: string;
  let dir: string;
  let behaviour: ServerBehaviour = {};
  const ranges: (string | undefined)[] = [];

  suiteSetup(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      ranges.push(req.headers.range);
      if (behaviour.status !== undefined) {
        res.writeHead(behaviour.status).end('nope');
        return;
      }
      const bytes = behaviour.body ?? model;
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      let start = 0;
      if (m !== null && behaviour.ignoreRange !== true) {
        start = Number(m[1]);
        if (start >= bytes.length) {
          res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` }).end();
          return;
        }
        res.writeHead(206, { 'Content-Length': bytes.length - start, 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
      } else {
        res.writeHead(200, { 'Content-Length': bytes.length });
      }
      const slice = bytes.subarray(start);
      if (behaviour.cutAfter !== undefined) {
        // Half-close after the bytes are flushed: a reset (destroy) could make the client's kernel drop bytes it had
        // received but not yet read, so how much was kept would depend on the machine's load.
        res.write(slice.subarray(0, behaviour.cutAfter), () => res.socket?.end());
        return;
      }
      res.end(slice);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  suiteTeardown(() => new Promise<void>((r) => server.close(() => r())));

  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiered-dl-'));
    behaviour = {};
    ranges.length = 0;
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('downloads, reports progress up to the size, verifies the hash, and only then puts the file in place', async () => {
    const dest = join(dir, 'small.gguf');
    const seen: DownloadProgress[] = [];
    const r = await downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha, onProgress: (p) => seen.push(p) });
    assert.deepEqual(r, { path: dest, bytes: model.length, resumedFromBytes: 0 });
    assert.ok(readFileSync(dest).equals(model));
    assert.equal(existsSync(partialPath(dest)), false);
    assert.deepEqual([...new Set(seen.map((p) => p.state))], ['checking', 'downloading', 'verifying', 'done']);
    const received = seen.filter((p) => p.state === 'downloading').map((p) => p.receivedBytes);
    assert.deepEqual(received, [...received].sort((a, b) => a - b));
    assert.equal(received[received.length - 1], model.length);
    assert.equal(seen.find((p) => p.state === 'downloading')?.totalBytes, model.length);
  });

  test('an interrupted download keeps its partial file (never used) and the next attempt resumes with a Range request', async () => {
    const dest = join(dir, 'small.gguf');
    behaviour = { cutAfter: 1_000_000 };
    await assert.rejects(downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha }), (e: unknown) => e instanceof DownloadError && e.reason === 'offline' && e.partialKept && /resumes/.test(e.message));
    assert.equal(existsSync(dest), false, 'the partial file is never used');
    const kept = statSync(partialPath(dest)).size;
    // The client may lose what its HTTP stack had buffered but not handed out when the connection broke: what
    // counts is that some bytes were kept and the resume starts exactly after them.
    assert.ok(kept > 0 && kept <= 1_000_000, String(kept));
    behaviour = {};
    const r = await downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha });
    assert.equal(ranges[ranges.length - 1], `bytes=${kept}-`);
    assert.equal(r.resumedFromBytes, kept);
    assert.ok(readFileSync(dest).equals(model));
  });

  test('a server that ignores Range gets a fresh, correct download', async () => {
    const dest = join(dir, 'small.gguf');
    writeFileSync(partialPath(dest), model.subarray(0, 5000));
    behaviour = { ignoreRange: true };
    const r = await downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha });
    assert.equal(r.resumedFromBytes, 0);
    assert.ok(readFileSync(dest).equals(model));
  });

  test('a complete partial file (416 on resume) is verified and used', async () => {
    const dest = join(dir, 'small.gguf');
    writeFileSync(partialPath(dest), model);
    const r = await downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha });
    assert.equal(r.resumedFromBytes, model.length);
    assert.ok(readFileSync(dest).equals(model));
  });

  test('a hash mismatch removes the file and says so', async () => {
    const dest = join(dir, 'small.gguf');
    const other = Buffer.from(model);
    other[other.length - 1] ^= 0xff;
    behaviour = { body: other };
    await assert.rejects(downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha }), (e: unknown) => e instanceof DownloadError && e.reason === 'hashMismatch' && !e.partialKept && e.message.includes(modelSha));
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(partialPath(dest)), false);
  });

  test('404 and 500 are clear errors; nothing is written', async () => {
    const dest = join(dir, 'small.gguf');
    behaviour = { status: 404 };
    await assert.rejects(downloadModel({ url: `${base}/missing.gguf`, dest, sha256: modelSha }), (e: unknown) => e instanceof DownloadError && e.reason === 'notFound' && /tiered\.engine\.downloadBaseUrl/.test(e.message));
    behaviour = { status: 500 };
    await assert.rejects(downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha }), (e: unknown) => e instanceof DownloadError && e.reason === 'server' && /500/.test(e.message));
    assert.equal(existsSync(partialPath(dest)), false);
    assert.equal(existsSync(dest), false);
  });

  test('offline: an unreachable server is a clear error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(downloadModel({ url: `http://127.0.0.1:${port}/m.gguf`, dest: join(dir, 'x.gguf'), sha256: modelSha }), (e: unknown) => e instanceof DownloadError && e.reason === 'offline' && /Could not reach/.test(e.message));
  });

  test('not enough free space: refused before anything is written', async () => {
    const dest = join(dir, 'small.gguf');
    await assert.rejects(
      downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha, freeBytes: async () => 1000 }),
      (e: unknown) => e instanceof DownloadError && e.reason === 'diskFull' && /7\.0 MB needed, 1000 bytes free/.test(e.message),
    );
    assert.equal(existsSync(partialPath(dest)), false);
  });

  test('cancel stops the download, keeps the partial file for resume, never puts it in place', async () => {
    const dest = join(dir, 'small.gguf');
    behaviour = { cutAfter: 2_000_000 };
    const controller = new AbortController();
    const p = downloadModel({ url: `${base}/m.gguf`, dest, sha256: modelSha, signal: controller.signal, onProgress: (s) => s.state === 'downloading' && s.receivedBytes > 0 && controller.abort() });
    await assert.rejects(p, (e: unknown) => e instanceof DownloadError && e.reason === 'cancelled');
    assert.equal(existsSync(dest), false);
  });

  test('no published hash: the download is not started', async () => {
    await assert.rejects(downloadModel({ url: `${base}/m.gguf`, dest: join(dir, 'x.gguf'), sha256: undefined }), (e: unknown) => e instanceof DownloadError && e.reason === 'noHash');
    assert.equal(ranges.length, 0);
  });

  test('Content-Range totals', () => {
    assert.equal(parseContentRangeTotal('bytes 100-199/2000'), 2000);
    assert.equal(parseContentRangeTotal('bytes */2000'), undefined);
    assert.equal(parseContentRangeTotal(null), undefined);
  });
});
