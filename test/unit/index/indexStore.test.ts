import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StoreRecord } from '../../../src/index/indexStore';
import { IndexStore } from '../../../src/index/indexStore';

const fileRecord = (p: string, hash: string): StoreRecord => ({ t: 'f', p, s: 10, m: 1, h: hash, c: [[1, 3, 'd', 'main|helper']], w: ['main:2 helper'] });

suite('index: persistence', () => {
  let dir: string;
  setup(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tiered-index-store-'));
  });
  teardown(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('records replay in order: the last record of a path wins, deletions remove, metadata refreshes', async () => {
    const store = new IndexStore(path.join(dir, 'sub', 'index.jsonl'));
    await store.append([fileRecord('a.ts', 'h1'), fileRecord('b.ts', 'h2')]);
    await store.append([fileRecord('a.ts', 'h3'), { t: 'd', p: 'b.ts' }, { t: 'm', p: 'a.ts', s: 99, m: 7 }, { t: 'e', p: 'a.ts', h: 'h3', model: 'emb', v: ['AACAPw=='] }]);
    const loaded = await new IndexStore(store.file).load();
    assert.ok(loaded.compatible);
    assert.deepEqual([...loaded.files.keys()], ['a.ts']);
    const a = loaded.files.get('a.ts');
    assert.equal(a?.hash, 'h3');
    assert.equal(a?.size, 99);
    assert.deepEqual(a?.chunks, [{ startLine: 1, endLine: 3, kind: 'definition', symbols: ['main', 'helper'] }]);
    assert.deepEqual(a?.vectors, ['AACAPw==']);
  });

  test('a last write cut at every byte loads every earlier record, and the next append is not glued to the torn one', async () => {
    const file = path.join(dir, 'index.jsonl');
    const store = new IndexStore(file);
    await store.append([fileRecord('a.ts', 'h1'), fileRecord('b.ts', 'h2')]);
    const before = await readFile(file);
    await store.append([fileRecord('c.ts', 'h3'), { t: 'd', p: 'a.ts' }]);
    const full = await readFile(file);
    for (let cut = before.length; cut < full.length; cut++) {
      await writeFile(file, full.subarray(0, cut));
      const loaded = await new IndexStore(file).load();
      assert.ok(loaded.compatible, `cut at ${cut}`);
      assert.ok(loaded.files.has('b.ts'), `cut at ${cut}: b.ts lost`);
      const lastLine = full.subarray(before.length, cut).toString('utf8');
      // c.ts is there exactly when its whole line (with the newline) made it to disk.
      assert.equal(loaded.files.has('c.ts'), lastLine.includes('\n'), `cut at ${cut}`);
      assert.equal(loaded.files.has('a.ts'), true, `cut at ${cut}: the deletion of a.ts was torn, so a.ts stays`);
    }
    // After a torn write, a new process appends after the last complete line.
    await writeFile(file, full.subarray(0, full.length - 5));
    const reopened = new IndexStore(file);
    await reopened.append([fileRecord('d.ts', 'h4')]);
    const loaded = await new IndexStore(file).load();
    assert.equal(loaded.dropped, 0);
    assert.deepEqual([...loaded.files.keys()].sort(), ['a.ts', 'b.ts', 'c.ts', 'd.ts']);
  });

  test('a torn record longer than the tail block read on the next append is cut back whole', async () => {
    const file = path.join(dir, 'index.jsonl');
    await new IndexStore(file).append([fileRecord('a.ts', 'h1')]);
    const before = await readFile(file);
    const big: StoreRecord = { t: 'f', p: 'big.ts', s: 1, m: 1, h: 'h2', c: [[1, 2, 'l', '']], w: ['x'.repeat(200_000)] };
    await new IndexStore(file).append([big]);
    const full = await readFile(file);
    await writeFile(file, full.subarray(0, before.length + 150_000));
    await new IndexStore(file).append([fileRecord('c.ts', 'h3')]);
    const loaded = await new IndexStore(file).load();
    assert.equal(loaded.dropped, 0);
    assert.deepEqual([...loaded.files.keys()].sort(), ['a.ts', 'c.ts']);
  });

  test('the very first write cut anywhere (even in the header) loads as an empty index, never throws', async () => {
    const file = path.join(dir, 'index.jsonl');
    await new IndexStore(file).append([fileRecord('a.ts', 'h1')]);
    const full = await readFile(file);
    for (let cut = 0; cut < full.length; cut++) {
      await writeFile(file, full.subarray(0, cut));
      const loaded = await new IndexStore(file).load();
      assert.equal(loaded.files.size, 0, `cut at ${cut}`);
    }
  });

  test('a log of another format version, or garbage lines, is not trusted', async () => {
    const file = path.join(dir, 'index.jsonl');
    await writeFile(file, `${JSON.stringify({ t: 'h', v: 999 })}\n${JSON.stringify(fileRecord('a.ts', 'h'))}\n`);
    assert.equal((await new IndexStore(file).load()).compatible, false);
    await writeFile(file, `${JSON.stringify({ t: 'h', v: 1 })}\nnot json\n{"t":"f"}\n${JSON.stringify(fileRecord('a.ts', 'h'))}\n`);
    const loaded = await new IndexStore(file).load();
    assert.equal(loaded.dropped, 2);
    assert.ok(loaded.files.has('a.ts'));
  });

  test('compaction keeps one record per live file', async () => {
    const file = path.join(dir, 'index.jsonl');
    const store = new IndexStore(file);
    await store.append([fileRecord('a.ts', 'h1'), fileRecord('a.ts', 'h2'), fileRecord('b.ts', 'h3'), fileRecord('gone.ts', 'h4')]);
    await store.compact((f) => f.path !== 'gone.ts');
    const text = await readFile(file, 'utf8');
    assert.equal(text.trim().split('\n').length, 3);
    const loaded = await store.load();
    assert.deepEqual([...loaded.files.keys()].sort(), ['a.ts', 'b.ts']);
    assert.equal(loaded.files.get('a.ts')?.hash, 'h2');
  });
});
