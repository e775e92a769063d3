import * as assert from 'node:assert/strict';
import { Bm25Index } from '../../../src/index/bm25';
import { reciprocalRankFusion } from '../../../src/index/fusion';
import { countTerms, decodeTerms, encodeTerms, stem, tokenize } from '../../../src/index/tokenize';

suite('index: tokenisation', () => {
  test('identifiers are split at camelCase, acronyms, snake_case and digits, and kept whole', () => {
    const terms = tokenize('parseHTTPRequest(user_id); renderV2');
    for (const t of ['parsehttprequest', 'pars', 'http', 'request', 'user_id', 'user', 'id', 'renderv2', stem('render')]) {
      assert.ok(terms.includes(t), `${t} missing from ${terms.join(' ')}`);
    }
  });

  test('a question and the code it asks about meet on the same stems', () => {
    const question = new Set(tokenize('Where are the routes registered and requests handled?'));
    const code = new Set(tokenize('function registerRoute(route) { handleRequest(route) }'));
    for (const t of ['rout', 'regist', 'request', 'handl']) {
      assert.ok(question.has(t) && code.has(t), `${t}: question ${[...question].join(' ')} / code ${[...code].join(' ')}`);
    }
    assert.ok(!question.has('the') && !question.has('are'), 'stop words dropped');
  });

  test('term counts survive their compact encoding', () => {
    const counts = countTerms('fooBar fooBar baz');
    const back = new Map<string, number>();
    decodeTerms(encodeTerms(counts), (t, c) => back.set(t, c));
    assert.deepEqual(back, counts);
    const none: string[] = [];
    decodeTerms('a:x b:0 :3', (t) => none.push(t));
    assert.deepEqual(none, [], 'malformed entries are skipped');
  });
});

suite('index: BM25', () => {
  test('the document with the rare query term ranks first; term frequency and length matter', () => {
    const index = new Bm25Index();
    const common = index.add(countTerms('render the widget render the view'));
    const rare = index.add(countTerms('render tokenizer cache'));
    const long = index.add(countTerms(`tokenizer ${'filler words here '.repeat(50)}`));
    index.add(countTerms('unrelated text entirely'));
    const hits = index.search(countTerms('tokenizer render'), 10);
    assert.equal(hits[0].doc, rare);
    assert.ok(hits.findIndex((h) => h.doc === long) > hits.findIndex((h) => h.doc === rare));
    assert.ok(hits.some((h) => h.doc === common));
    assert.equal(hits.length, 3, 'documents without any query term are not returned');
  });

  test('a removed document is never returned and leaves the statistics; compaction keeps results', () => {
    const index = new Bm25Index();
    const docs = Array.from({ length: 200 }, (_, i) => index.add(countTerms(`alpha item${i}`)));
    const target = index.add(countTerms('alpha beta'));
    for (const doc of docs.slice(0, 150)) {
      index.remove(doc);
    }
    assert.equal(index.size, 51);
    const hits = index.search(countTerms('alpha'), 100);
    assert.equal(hits.length, 51);
    assert.ok(hits.every((h) => h.doc >= 150));
    index.remove(target);
    index.remove(target);
    index.compact();
    assert.equal(index.search(countTerms('beta'), 10).length, 0);
    assert.equal(index.search(countTerms('alpha'), 100).length, 50);
  });
});

suite('index: BM25 storage', () => {
  test('removing never compacts by itself (a save must not pay for it): it says when a compaction is due', () => {
    const index = new Bm25Index();
    const docs = Array.from({ length: 300 }, (_, i) => index.add(countTerms(`gamma item${i}`)));
    index.compact();
    const before = index.search(countTerms('gamma item299'), 3);
    for (const doc of docs.slice(0, 40)) {
      index.remove(doc);
    }
    assert.equal(index.needsCompaction, false, '40 dead of 260 live: not yet');
    for (const doc of docs.slice(40, 120)) {
      index.remove(doc);
    }
    assert.equal(index.needsCompaction, true);
    assert.ok(index.search(countTerms('gamma'), 300).every((h) => h.doc >= 120), 'dead documents are skipped before any compaction');
    index.compact();
    assert.equal(index.needsCompaction, false);
    assert.equal(index.search(countTerms('gamma'), 300).length, 180);
    assert.equal(index.search(countTerms('gamma item299'), 3)[0].doc, before[0].doc);
  });

  test('frozen and recent postings rank together, and the dense arrays of a snapshot rank the same', () => {
    const index = new Bm25Index();
    const texts = ['parse the request body', 'serve static files from a folder', 'parse json bodies with a limit', 'send a file with etag'];
    texts.forEach((t) => index.add(countTerms(t)));
    index.compact();
    const late = index.add(countTerms('parse urlencoded bodies'));
    const removed = index.add(countTerms('parse parse parse bodies'));
    index.remove(removed);
    const query = countTerms('parse bodies');
    const hits = index.search(query, 10);
    assert.ok(hits.some((h) => h.doc === late), 'a document added after the compaction is found');
    assert.ok(!hits.some((h) => h.doc === removed));
    // Dense ids: the live documents in order, the removed one left out.
    const newIds = Int32Array.from([0, 1, 2, 3, 4, -1]);
    const restored = Bm25Index.fromArrays(index.toArrays(newIds));
    assert.equal(restored.size, 5);
    assert.deepEqual(
      restored.search(query, 10).map((h) => [h.doc, h.score.toFixed(4)]),
      index.search(query, 10).map((h) => [newIds[h.doc], h.score.toFixed(4)]),
    );
  });
});

suite('index: reciprocal rank fusion', () => {
  test('a result ranked well by both rankers beats one ranked first by only one', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'd', 'a'],
    ]);
    assert.deepEqual(
      fused.map((f) => f.key),
      ['b', 'a', 'd', 'c'],
    );
    assert.deepEqual(fused[0].from, [0, 1]);
    assert.ok(Math.abs(fused[0].score - (1 / 62 + 1 / 61)) < 1e-12);
  });

  test('one empty ranking leaves the other as it was', () => {
    assert.deepEqual(
      reciprocalRankFusion([[3, 1, 2], []]).map((f) => f.key),
      [3, 1, 2],
    );
  });
});
