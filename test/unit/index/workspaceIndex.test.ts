import * as assert from 'node:assert/strict';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Embedder } from '../../../src/index/embedder';
import { Exclusions } from '../../../src/index/exclusions';
import { IndexStore } from '../../../src/index/indexStore';
import { Throttle } from '../../../src/index/throttle';
import { WorkspaceIndex } from '../../../src/index/workspaceIndex';
import { grammars } from './grammars';
import { writeTree } from '../../support/files';

const files: Record<string, string> = {
  'src/router.ts': 'export function registerRoute(path: string, handler: Handler): void {\n  routes.set(path, handler);\n}\n',
  'src/auth/token.py': 'def refresh_access_token(session):\n    return session.renew()\n',
  'lib/cache.go': 'package lib\n\nfunc EvictStaleEntries(c *Cache) {\n\tc.sweep()\n}\n',
  '.gitignore': 'build/\n*.log\n',
  'build/out.js': 'function registerRoute() {}\n',
  'debug.log': 'registerRoute called\n',
  '.env': 'SECRET_TOKEN=registerRoute\n',
  'pkg/.gitignore': 'generated.ts\n',
  'pkg/generated.ts': 'export const registerRoute = 1;\n',
  'pkg/kept.ts': 'export const keptValue = 2;\n',
  'big.ts': `// registerRoute\n${'x'.repeat(5000)}\n`,
  'image.bin': 'registerRoute\u0000\u0001',
  'node_modules/dep/index.js': 'function registerRoute() {}\n',
};

/** A fake embedding model: one dimension per keyword, so similarity is predictable. */
class KeywordEmbedder implements Embedder {
  readonly model = 'keyword-embed';
  calls = 0;
  embed(texts: readonly string[]): Promise<number[][]> {
    this.calls++;
    const keywords = ['route', 'token', 'cache', 'secret'];
    return Promise.resolve(texts.map((t) => keywords.map((k) => (t.toLowerCase().includes(k) ? 1 : 0.01))));
  }
}

suite('index: workspace index', () => {
  let root: string;
  let storage: string;
  const open = (): WorkspaceIndex =>
    new WorkspaceIndex({
      root,
      store: new IndexStore(path.join(storage, 'index.jsonl')),
      exclusions: new Exclusions(root, { maxFileBytes: 4000, globs: ['**/*.min.js'], isExcluded: (p) => p === '.env' || p.endsWith('/.env') }),
      grammars,
      throttle: new Throttle({ dutyCycle: 1, sliceMs: 1000 }),
    });

  setup(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tiered-index-ws-'));
    storage = await mkdtemp(path.join(tmpdir(), 'tiered-index-storage-'));
    await writeTree(root, files);
  });
  teardown(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(storage, { recursive: true, force: true });
  });

  test('builds from the files, honouring .gitignore (nested too), globs, the sensitive-file rule, size and binary limits', async () => {
    const index = open();
    const progress: number[] = [];
    const summary = await index.build(undefined, (done) => progress.push(done));
    assert.deepEqual(index.paths(), ['.gitignore', 'lib/cache.go', 'pkg/.gitignore', 'pkg/kept.ts', 'src/auth/token.py', 'src/router.ts']);
    assert.equal(summary.indexed, 6);
    assert.ok(summary.excluded >= 2, 'big.ts and image.bin are excluded');
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8].slice(0, summary.scanned));
    const hits = await index.search('where is a route registered?');
    assert.equal(hits[0].path, 'src/router.ts');
    assert.deepEqual(hits[0].symbols, ['registerRoute']);
    assert.deepEqual([hits[0].startLine, hits[0].endLine], [1, 3]);
    assert.deepEqual(hits[0].via, ['lexical']);
    assert.ok(!hits.some((h) => ['build/out.js', 'debug.log', '.env', 'pkg/generated.ts', 'node_modules/dep/index.js'].includes(h.path)));
    assert.match((await index.readChunk(hits[0])) ?? '', /routes\.set/);
    assert.equal(index.status().files, 6);
  });

  test('a restart reuses the log: nothing re-read when nothing changed; a changed file is re-indexed', async () => {
    await open().build();
    const again = open();
    const loaded = await again.load();
    assert.equal(loaded.files, 6);
    assert.equal((await again.search('EvictStaleEntries'))[0]?.path, 'lib/cache.go', 'searchable straight from the log');
    await writeFile(path.join(root, 'lib/cache.go'), 'package lib\n\nfunc CompactSegments() {}\n');
    const summary = await again.build();
    assert.equal(summary.indexed, 1);
    assert.equal(summary.unchanged, 5);
    assert.equal((await again.search('EvictStaleEntries')).length, 0);
    assert.equal((await again.search('compact segments'))[0]?.path, 'lib/cache.go');
  });

  test('a touched file with the same content is not re-chunked (hash check)', async () => {
    const index = open();
    await index.build();
    const before = index.chunksOf('src/router.ts');
    const time = new Date(Date.now() + 5000);
    const { utimes } = await import('node:fs/promises');
    await utimes(path.join(root, 'src/router.ts'), time, time);
    assert.equal(await index.update('src/router.ts'), 'unchanged');
    assert.equal(index.chunksOf('src/router.ts'), before);
  });

  test('incremental updates: save, create, delete, rename (file and folder), and an excluded path', async () => {
    const index = open();
    await index.build();
    await writeFile(path.join(root, 'src/router.ts'), 'export function mountMiddleware(): void {}\n');
    assert.equal(await index.update('src/router.ts'), 'indexed');
    assert.ok((await index.search('registerRoute')).every((h) => !h.symbols.includes('registerRoute')));
    assert.equal((await index.search('mount middleware'))[0]?.path, 'src/router.ts');

    await writeFile(path.join(root, 'src/new.ts'), 'export class SessionStore {}\n');
    assert.equal(await index.update('src/new.ts'), 'indexed');
    assert.equal((await index.search('session store'))[0]?.path, 'src/new.ts');

    await unlink(path.join(root, 'src/new.ts'));
    await index.remove('src/new.ts');
    assert.ok((await index.search('session store')).every((h) => h.path !== 'src/new.ts'));

    await rename(path.join(root, 'src/router.ts'), path.join(root, 'src/routes.ts'));
    await index.rename('src/router.ts', 'src/routes.ts');
    assert.deepEqual((await index.search('mount middleware')).map((h) => h.path), ['src/routes.ts']);

    await rename(path.join(root, 'src/auth'), path.join(root, 'src/login'));
    await index.rename('src/auth', 'src/login');
    assert.deepEqual((await index.search('refresh access token')).map((h) => h.path), ['src/login/token.py']);

    await writeFile(path.join(root, 'notes.log'), 'mount middleware\n');
    assert.equal(await index.update('notes.log'), 'excluded');

    // All of it survives a restart.
    const again = open();
    await again.load();
    assert.deepEqual(again.paths(), index.paths());
    assert.deepEqual((await again.search('mount middleware')).map((h) => h.path), ['src/routes.ts']);
  });

  test('with an embedding model, chunks are embedded in the background and ranked by fusion; vectors persist', async () => {
    const index = open();
    await index.build();
    const embedder = new KeywordEmbedder();
    index.setEmbedder(embedder);
    const embedded = await index.embedPending();
    assert.equal(embedded, index.status().chunks);
    assert.equal(index.status().embeddedChunks, embedded);
    // "renew" is in token.py's text; the keyword model maps "token" to it as well.
    const hits = await index.search('token renew');
    assert.equal(hits[0].path, 'src/auth/token.py');
    assert.deepEqual([...hits[0].via].sort(), ['lexical', 'vector']);
    // A query no word of which is in the code still finds it by its vector.
    const semantic = await index.search('which TOKEN?');
    assert.ok(semantic.some((h) => h.path === 'src/auth/token.py' && h.via.includes('vector')));

    const again = open();
    await again.load();
    again.setEmbedder(new KeywordEmbedder());
    assert.equal(again.status().embeddedChunks, embedded, 'vectors came back from the log');
    assert.equal(await again.embedPending(), 0, 'nothing to embed again');
  });

  test('an embedding server that fails leaves search lexical, without throwing', async () => {
    const index = open();
    await index.build();
    const embedder = new KeywordEmbedder();
    index.setEmbedder(embedder);
    await index.embedPending();
    index.setEmbedder({ model: embedder.model, embed: () => Promise.reject(new Error('connection refused')) });
    const hits = await index.search('registerRoute');
    assert.equal(hits[0].path, 'src/router.ts');
    assert.deepEqual(hits[0].via, ['lexical']);
  });

  test('definitions by name, for Explain and Review when the language server gives none', async () => {
    const index = open();
    await index.build();
    assert.deepEqual(
      index.definitionsOf('registerRoute').map((r) => [r.path, r.startLine, r.endLine]),
      [['src/router.ts', 1, 3]],
    );
    assert.deepEqual(index.definitionsOf('EvictStaleEntries').map((r) => r.path), ['lib/cache.go']);
    assert.deepEqual(index.definitionsOf('noSuchThing'), []);
  });

  test('a build can be cancelled', async () => {
    const index = open();
    const controller = new AbortController();
    controller.abort(new Error('cancelled by the user'));
    await assert.rejects(index.build(controller.signal), /cancelled by the user/);
  });
});
