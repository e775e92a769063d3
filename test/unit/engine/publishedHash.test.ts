import * as assert from 'node:assert/strict';
import { publishedHash, treeUrl } from '../../../src/engine/publishedHash';

const model = { repo: 'bartowski/Qwen2.5-Coder-1.5B-Instruct-GGUF', revision: 'main', file: 'Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf' };
const oid = 'AB'.repeat(32);

function fakeFetch(status: number, body: unknown, seen: string[] = []): typeof fetch {
  return async (input) => {
    seen.push(String(input));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
}

suite('published sha256 of a catalogue file (Hugging Face tree listing)', () => {
  test('the LFS object id of the file is its sha256, read from <base>/api/models/<repo>/tree/<revision>', async () => {
    const seen: string[] = [];
    const listing = [
      { type: 'file', path: 'README.md', size: 10 },
      { type: 'file', path: model.file, size: 135, lfs: { oid, size: 986_048_768, pointerSize: 135 } },
    ];
    const r = await publishedHash('https://mirror.example/', model, fakeFetch(200, listing, seen));
    assert.deepEqual(r, { ok: true, file: { sha256: oid.toLowerCase(), sizeBytes: 986_048_768 } });
    assert.deepEqual(seen, [treeUrl('https://mirror.example', model)]);
    assert.equal(seen[0], 'https://mirror.example/api/models/bartowski/Qwen2.5-Coder-1.5B-Instruct-GGUF/tree/main');
  });

  test('a file without an LFS hash, a 404 and a malformed listing give a reason, never a hash', async () => {
    const noLfs = await publishedHash('https://m', model, fakeFetch(200, [{ path: model.file, size: 3 }]));
    assert.equal(noLfs.ok, false);
    assert.match(noLfs.ok ? '' : noLfs.reason, /no published sha256/);
    const notFound = await publishedHash('https://m', model, fakeFetch(404, {}));
    assert.match(notFound.ok ? '' : notFound.reason, /404/);
    const malformed = await publishedHash('https://m', model, fakeFetch(200, { files: [] }));
    assert.match(malformed.ok ? '' : malformed.reason, /expected format/);
    const offline = await publishedHash('https://m', model, async () => {
      throw new TypeError('fetch failed');
    });
    assert.match(offline.ok ? '' : offline.reason, /fetch failed/);
  });
});
