import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Embedder } from '../../../src/index/embedder';
import { Exclusions } from '../../../src/index/exclusions';
import { IndexStore } from '../../../src/index/indexStore';
import { decodeSnapshot } from '../../../src/index/snapshot';
import { Throttle } from '../../../src/index/throttle';
import { WorkspaceIndex } from '../../../src/index/workspaceIndex';
import { grammars } from './grammars';
import { writeTree } from '../../support/files';

const files: Record<string, string> = {
  'src/router.ts': 'export function registerRoute(path: string, handler: Handler): void {\n  routes.set(path, handler);\n}\n',
  'src/auth/token.py': 'def refresh_access_token(session):\n    return session.renew()\n',
  'lib/cache.go': 'package lib\n\nfunc EvictStaleEntries(c *Cache) {\n\tc.sweep()\n}\n',
};

const queries = ['where is a route registered?', 'refresh the access token', 'evict stale cache entries', 'session renew'];

class WordEmbedder implements Embedder {
  readonly model = 'word-embed';
  embed(texts: readonly string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => ['route', 'token', 'cache'].map((k) => (t.toLowerCase().includes(k) ? 1 : 0.01))));
  }
}

suite('index: snapshot', () => {
  let root: string;
  let storage: string;
  let logLines: string[];
  const storeFile = (): string => path.join(storage, 'index.jsonl');
  const open = (): WorkspaceIndex =>
    new WorkspaceIndex({
      root,
      store: new IndexStore(storeFile()),
      exclusions: new Exclusions(root),
      grammars,
      throttle: new Throttle({ dutyCycle: 1, sliceMs: 1000 }),
      log: (m) => logLines.push(m),
    });
  /** What a user would see of an index: its files, and the results of a few questions. */
  const view = async (index: WorkspaceIndex): Promise<string> => {
    const results = await Promise.all(queries.map(async (q) => (await index.search(q, 5)).map((h) => `${h.path}:${h.startLine}-${h.endLine}:${h.symbols.join(',')}`)));
    return JSON.stringify({ paths: index.paths(), results, chunks: index.status().chunks });
  };

  setup(async () => {
    logLines = [];
    root = await mkdtemp(path.join(tmpdir(), 'tiered-index-snap-'));
    storage = await mkdtemp(path.join(tmpdir(), 'tiered-index-snap-store-'));
    await writeTree(root, files);
  });
  teardown(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(storage, { recursive: true, force: true });
  });

  test('a build writes a snapshot; a restart loads it, replays only what was saved after it, and answers the same', async () => {
    const first = open();
    await first.build();
    const store = new IndexStore(storeFile());
    const snapshot = await readFile(store.snapshotFile);
    assert.ok('snapshot' in decodeSnapshot(snapshot), 'the snapshot decodes');

    const restarted = open();
    const loaded = await restarted.load();
    assert.deepEqual(loaded, { files: 3, dropped: 0, fromSnapshot: true });
    assert.equal(await view(restarted), await view(first));
    assert.equal((await restarted.build()).unchanged, 3);
    assert.deepEqual(await readFile(store.snapshotFile), snapshot, 'nothing changed: the snapshot is not rewritten');

    // Saves, a creation and a deletion after the snapshot: only in the log until the next build.
    await writeFile(path.join(root, 'lib/cache.go'), 'package lib\n\nfunc CompactSegments() {}\n');
    await restarted.update('lib/cache.go');
    await writeFile(path.join(root, 'src/jobs.ts'), 'export function scheduleNightlyJob(): void {}\n');
    await restarted.update('src/jobs.ts');
    await unlink(path.join(root, 'src/auth/token.py'));
    await restarted.remove('src/auth/token.py');
    assert.deepEqual(await readFile(store.snapshotFile), snapshot, 'a save does not rewrite the snapshot');

    const again = open();
    assert.equal((await again.load()).fromSnapshot, true);
    assert.equal(await view(again), await view(restarted));
    assert.deepEqual(again.paths(), ['lib/cache.go', 'src/jobs.ts', 'src/router.ts']);
    assert.equal((await again.search('compact segments'))[0]?.path, 'lib/cache.go');
    assert.equal((await again.search('EvictStaleEntries')).length, 0);
    const summary = await again.build();
    assert.equal(summary.indexed, 0, 'the replayed records are current: nothing re-read');
    assert.notDeepEqual(await readFile(store.snapshotFile), snapshot, 'the build folds the replayed records into a new snapshot');
    assert.deepEqual(logLines, []);
  });

  test('a snapshot cut at every byte, or corrupt, is ignored: the log is replayed, nothing is lost, and the log says why', async () => {
    const first = open();
    await first.build();
    // One save after the snapshot, so the log holds more than the snapshot and both paths are exercised.
    await writeFile(path.join(root, 'src/jobs.ts'), 'export function scheduleNightlyJob(): void {}\n');
    await first.update('src/jobs.ts');
    const expected = await view(first);
    const snapshotFile = new IndexStore(storeFile()).snapshotFile;
    const full = await readFile(snapshotFile);
    const log = await readFile(storeFile());
    const damaged: Buffer[] = [];
    for (let cut = 0; cut < full.length; cut++) {
      damaged.push(full.subarray(0, cut));
    }
    for (const at of [0, 9, 40, Math.floor(full.length / 2), full.length - 1]) {
      const flipped = Buffer.from(full);
      flipped[at] ^= 0xff;
      damaged.push(flipped);
    }
    for (const [i, bytes] of damaged.entries()) {
      await writeFile(snapshotFile, bytes);
      await writeFile(storeFile(), log);
      logLines = [];
      const index = open();
      const loaded = await index.load();
      assert.equal(loaded.fromSnapshot, false, `case ${i}`);
      assert.equal(loaded.files, 4, `case ${i}: every file comes back from the log`);
      assert.equal(await view(index), expected, `case ${i}`);
      assert.equal(logLines.length, 1, `case ${i}`);
      assert.match(logLines[0], /snapshot .* was not used: .*restoring from the log instead/, `case ${i}`);
    }
    // The next build replaces the damaged snapshot with a good one.
    const index = open();
    await index.load();
    await index.build();
    assert.equal((await open().load()).fromSnapshot, true);
  });

  test('a snapshot of another log (the log was compacted or replaced after it) is ignored', async () => {
    await open().build();
    const snapshotFile = new IndexStore(storeFile()).snapshotFile;
    const old = await readFile(snapshotFile);
    const other = open();
    await new IndexStore(storeFile()).clear();
    await other.build();
    await writeFile(snapshotFile, old);
    const index = open();
    const loaded = await index.load();
    assert.equal(loaded.fromSnapshot, false);
    assert.equal(loaded.files, 3);
    assert.match(logLines.join('\n'), /taken from another log/);
  });

  test('vectors come back from the snapshot, and the log keeps the ones embedded after it', async () => {
    const first = open();
    await first.build();
    first.setEmbedder(new WordEmbedder());
    assert.equal(await first.embedPending(), 3);
    const restarted = open();
    assert.equal((await restarted.load()).fromSnapshot, true);
    restarted.setEmbedder(new WordEmbedder());
    assert.equal(restarted.status().embeddedChunks, 3);
    assert.equal(await restarted.embedPending(), 0, 'nothing to embed again');
    const hits = await restarted.search('token');
    assert.ok(hits[0]?.via.includes('vector'));
  });
});
