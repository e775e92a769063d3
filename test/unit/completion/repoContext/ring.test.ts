import * as assert from 'node:assert/strict';
import { ChunkRing, lineSimilarity } from '../../../../src/completion/repoContext/ring';
import type { RingChunk } from '../../../../src/completion/repoContext/ring';

function chunk(path: string, body: string, at: number, kind: RingChunk['kind'] = 'viewed'): RingChunk {
  return { path, startLine: 0, text: body, kind, at };
}

const lines = (prefix: string, n: number): string => Array.from({ length: n }, (_, i) => `${prefix} line ${i};`).join('\n');

suite('repoContext ring', () => {
  test('keeps at most its capacity, dropping the oldest', () => {
    const ring = new ChunkRing({ capacity: 3 });
    for (let i = 0; i < 5; i++) {
      assert.ok(ring.add(chunk(`f${i}.ts`, lines(`f${i}`, 5), i)));
    }
    assert.deepEqual(ring.chunks().map((c) => c.path), ['f2.ts', 'f3.ts', 'f4.ts']);
  });

  test('cuts chunks to the line limit', () => {
    const ring = new ChunkRing({ maxLines: 10 });
    ring.add(chunk('a.ts', lines('a', 50), 0));
    assert.equal(ring.chunks()[0]?.text.split('\n').length, 10);
  });

  test('a near-duplicate replaces the old chunk instead of taking another place', () => {
    const ring = new ChunkRing({ capacity: 4 });
    ring.add(chunk('a.ts', lines('a', 20), 0));
    ring.add(chunk('b.ts', lines('b', 20), 1));
    // The same function, one line edited.
    const edited = `${lines('a', 19)}\nchanged();`;
    ring.add(chunk('a.ts', edited, 2, 'edited'));
    assert.equal(ring.size, 2);
    assert.deepEqual(ring.chunks().map((c) => [c.path, c.kind]), [
      ['b.ts', 'viewed'],
      ['a.ts', 'edited'],
    ]);
  });

  test('chunks with too few non-blank lines are not kept', () => {
    const ring = new ChunkRing();
    assert.equal(ring.add(chunk('a.ts', 'x\n\n\n', 0)), false);
    assert.equal(ring.size, 0);
  });

  test('removePath forgets a file; version grows on every change', () => {
    const ring = new ChunkRing();
    const v0 = ring.version;
    ring.add(chunk('a.ts', lines('a', 5), 0));
    ring.add(chunk('b.ts', lines('b', 5), 1));
    ring.removePath('a.ts');
    assert.deepEqual(ring.chunks().map((c) => c.path), ['b.ts']);
    assert.equal(ring.version, v0 + 3);
    ring.removePath('nothing.ts');
    assert.equal(ring.version, v0 + 3);
  });

  test('candidates carry the kind and time', () => {
    const ring = new ChunkRing();
    ring.add(chunk('a.ts', lines('a', 5), 42, 'copied'));
    assert.deepEqual(ring.candidates().map((c) => [c.source, c.recentKind, c.at]), [['recent', 'copied', 42]]);
  });

  test('lineSimilarity is Jaccard over trimmed non-blank lines', () => {
    assert.equal(lineSimilarity('a\nb', '  a\nb\n\n'), 1);
    assert.equal(lineSimilarity('a\nb', 'b\nc'), 1 / 3);
    assert.equal(lineSimilarity('a', 'b'), 0);
  });
});
