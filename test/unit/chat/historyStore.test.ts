import * as assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { HistoryStore, threadOf } from '../../../src/chat/historyStore';
import { crc32Js, encodeRecord } from '../../../src/chat/journal';
import * as zlib from 'node:zlib';

async function tempDir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'tiered-history-'));
}

function counter(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

async function openStore(folder: string, extra: Partial<Parameters<typeof HistoryStore.open>[0]> = {}): Promise<HistoryStore> {
  let t = 1_700_000_000_000;
  return HistoryStore.open({ folder, durable: false, now: () => ++t, ...extra });
}

function journalOf(folder: string, id: string): string {
  return path.join(folder, 'conversations', `${id}.jsonl`);
}

suite('chat history store', () => {
  test('persists conversations, messages and updates across a reopen', async () => {
    const folder = await tempDir();
    const store = await openStore(folder, { durable: true });
    const c = await store.create('First');
    const q = await store.appendMessage(c.id, { role: 'user', content: 'How do I sort?' });
    const a = await store.appendMessage(c.id, { role: 'assistant', content: '', status: 'streaming' });
    await store.updateMessage(c.id, a.id, {
      content: 'Use `sort()`.',
      status: 'complete',
      meta: { tier: 'code', model: 'qwen2.5-coder:7b', metrics: { ttftMs: 120, tokensPerSecond: 30, promptTokens: 40, answerTokens: 5 } },
    });

    const again = await openStore(folder);
    assert.deepEqual(again.recovered, []);
    const loaded = again.get(c.id);
    assert.ok(loaded);
    assert.equal(loaded.title, 'First');
    assert.deepEqual(
      threadOf(loaded).map((m) => [m.id, m.role, m.content, m.status]),
      [
        [q.id, 'user', 'How do I sort?', 'complete'],
        [a.id, 'assistant', 'Use `sort()`.', 'complete'],
      ],
    );
    assert.equal(threadOf(loaded)[1]?.meta?.model, 'qwen2.5-coder:7b');
  });

  test('edit-and-resend adds a branch and keeps the earlier one', async () => {
    const folder = await tempDir();
    const store = await openStore(folder);
    const c = await store.create();
    const q1 = await store.appendMessage(c.id, { role: 'user', content: 'v1' });
    await store.appendMessage(c.id, { role: 'assistant', content: 'answer to v1' });
    const q2 = await store.appendMessage(c.id, { role: 'user', content: 'v2', parentId: q1.parentId });
    await store.appendMessage(c.id, { role: 'assistant', content: 'answer to v2' });

    const reopened = (await openStore(folder)).get(c.id);
    assert.ok(reopened);
    assert.deepEqual(threadOf(reopened).map((m) => m.content), ['v2', 'answer to v2']);
    assert.equal(reopened.messages.length, 4, 'the earlier branch is still stored');
    await store.setHead(c.id, q1.id);
    const back = (await openStore(folder)).get(c.id);
    assert.ok(back);
    assert.deepEqual(threadOf(back).map((m) => m.content), ['v1']);
    assert.notEqual(q1.id, q2.id);
  });

  test('rename, trash with undo, purge and list order', async () => {
    const folder = await tempDir();
    const store = await openStore(folder);
    const a = await store.create('a');
    const b = await store.create('b');
    await store.rename(a.id, 'renamed');
    assert.deepEqual(store.list().map((s) => s.title), ['renamed', 'b']);
    await store.trash(a.id);
    assert.deepEqual(store.list().map((s) => s.id), [b.id]);
    assert.equal((await openStore(folder)).list().length, 1, 'the trash survives a reopen');
    await store.restore(a.id);
    assert.equal((await openStore(folder)).list().length, 2, 'undo brings it back');
    await assert.rejects(store.purge(a.id), /trash/);
    await store.trash(a.id);
    await store.purge(a.id);
    assert.equal((await openStore(folder)).list({ includeDeleted: true }).length, 1);
  });

  test('search finds text in every conversation, case-insensitively', async () => {
    const store = await openStore(await tempDir());
    const a = await store.create('Parsing');
    await store.appendMessage(a.id, { role: 'user', content: 'How do I parse a TOML file in Rust?' });
    const b = await store.create('Other');
    await store.appendMessage(b.id, { role: 'assistant', content: 'Use the toml crate.' });
    const hits = store.search('toml');
    assert.deepEqual(new Set(hits.map((h) => h.conversationId)), new Set([a.id, b.id]));
    assert.ok(hits.every((h) => /toml/i.test(h.snippet)));
    assert.deepEqual(store.search('nothing like this'), []);
    await store.appendMessage(b.id, { role: 'user', content: 'why does arr.sort( fail?' });
    assert.equal(store.search('ARR.SORT(').length, 1, 'special characters match literally');
    assert.deepEqual(store.search('arr.sort.'), []);
  });

  test('export JSON then import round-trips, under a new id when the id exists', async () => {
    const store = await openStore(await tempDir());
    const c = await store.create('Export me');
    await store.appendMessage(c.id, { role: 'user', content: 'q' });
    await store.appendMessage(c.id, { role: 'assistant', content: 'a ```js\nx\n```' });
    const json = store.exportJson(c.id);
    const result = await store.importJson(json);
    assert.ok(result.ok);
    assert.notEqual(result.conversation.id, c.id);
    assert.deepEqual(result.conversation.messages.map((m) => m.content), ['q', 'a ```js\nx\n```']);

    const other = await openStore(await tempDir());
    const imported = await other.importJson(json);
    assert.ok(imported.ok);
    assert.equal(imported.conversation.id, c.id);
    const md = store.exportMarkdown(c.id);
    assert.match(md, /^# Export me/);
    assert.match(md, /## You\n\nq/);
  });

  test('a bad import is rejected with the reason and changes nothing', async () => {
    const folder = await tempDir();
    const store = await openStore(folder);
    await store.create('keep');
    const before = await fsp.readdir(path.join(folder, 'conversations'));
    const cases: Array<[string, RegExp]> = [
      ['not json', /Not JSON/],
      ['{"format":"other"}', /format/],
      [JSON.stringify({ format: 'tiered-chat', version: 1, conversation: { id: 'x', title: 't', createdAt: 1, updatedAt: 1, headId: null, messages: [{ id: 'm', parentId: 'ghost', role: 'user', content: 'c', createdAt: 1, status: 'complete' }] } }), /parent "ghost"/],
      [JSON.stringify({ format: 'tiered-chat', version: 1, conversation: { id: '../../etc', title: 't', createdAt: 1, updatedAt: 1, headId: null, messages: [] } }), /conversation\.id/],
      [JSON.stringify({ format: 'tiered-chat', version: 1, conversation: { id: 'x', title: 't', createdAt: 1, updatedAt: 1, headId: null, messages: [{ id: 'm', parentId: null, role: 'hacker', content: 'c', createdAt: 1, status: 'complete' }] } }), /role/],
    ];
    for (const [text, reason] of cases) {
      const result = await store.importJson(text);
      assert.equal(result.ok, false, text);
      assert.ok(!result.ok && reason.test(result.reason), `${text} -> ${result.ok ? '' : result.reason}`);
    }
    assert.deepEqual(await fsp.readdir(path.join(folder, 'conversations')), before);
    assert.equal(store.list().length, 1);
  });

  test('a crash mid-write, at EVERY byte offset of the last record, loses nothing before it', async function () {
    this.timeout(120_000);
    const folder = await tempDir();
    const store = await openStore(folder, { newId: counter('id') });
    const c = await store.create('crash');
    const contents = ['first question', 'first answer', 'second question'];
    for (const content of contents) {
      await store.appendMessage(c.id, { role: 'user', content });
    }
    const file = journalOf(folder, c.id);
    const good = await fsp.readFile(file);
    const last = Buffer.from(
      encodeRecord({ op: 'message', rid: 'last-rid', at: 1, message: { id: 'lastmsg', parentId: null, role: 'assistant', content: 'an answer with ünïcode → cut', createdAt: 1, status: 'complete' } }),
    );
    let recoveredCount = 0;
    for (let cut = 0; cut < last.length - 1; cut++) {
      const dir = await tempDir();
      await fsp.mkdir(path.join(dir, 'conversations'));
      await fsp.writeFile(journalOf(dir, c.id), Buffer.concat([good, last.subarray(0, cut)]));
      const reopened = await openStore(dir);
      const conv = reopened.get(c.id);
      assert.ok(conv, `cut at ${cut}`);
      assert.deepEqual(conv.messages.map((m) => m.content), contents, `cut at ${cut}`);
      assert.equal(conv.title, 'crash');
      if (cut > 0) {
        recoveredCount++;
        assert.equal(reopened.recovered.length, 1, `cut at ${cut}: the caller is told`);
        assert.ok(reopened.recovered[0]?.tornTail);
      } else {
        assert.equal(reopened.recovered.length, 0);
      }
      // The repaired journal takes new appends cleanly, and nothing more is reported on the next load.
      await reopened.appendMessage(c.id, { role: 'user', content: 'after' });
      const third = await openStore(dir);
      assert.deepEqual(third.get(c.id)?.messages.map((m) => m.content), [...contents, 'after'], `cut at ${cut}`);
      assert.equal(third.recovered.length, 0, `cut at ${cut}`);
      await fsp.rm(dir, { recursive: true });
    }
    assert.equal(recoveredCount, last.length - 2);
    // Cutting only the final newline leaves a whole record: it is kept.
    const dir = await tempDir();
    await fsp.mkdir(path.join(dir, 'conversations'));
    await fsp.writeFile(journalOf(dir, c.id), Buffer.concat([good, last.subarray(0, last.length - 1)]));
    assert.equal((await openStore(dir)).get(c.id)?.messages.length, 4);
  });

  test('a damaged line in the middle is skipped, later records kept, the original kept aside', async () => {
    const folder = await tempDir();
    const store = await openStore(folder);
    const c = await store.create('mid');
    for (const content of ['one', 'two', 'three']) {
      await store.appendMessage(c.id, { role: 'user', content });
    }
    const file = journalOf(folder, c.id);
    const text = await fsp.readFile(file, 'utf8');
    await fsp.writeFile(file, text.replace('"two"', '"tw0"')); // a flipped byte: valid JSON, bad checksum
    const reopened = await openStore(folder);
    assert.deepEqual(reopened.get(c.id)?.messages.map((m) => m.content), ['one', 'three']);
    const report = reopened.recovered[0];
    assert.ok(report);
    assert.equal(report.badLines, 1);
    assert.ok(report.keptCopy);
    assert.match(await fsp.readFile(report.keptCopy, 'utf8'), /tw0/);
  });

  test('compaction rotates a backup, and a damaged journal start is recovered from it', async () => {
    const folder = await tempDir();
    const store = await openStore(folder, { compactAfterRecords: 5 });
    const c = await store.create('compact');
    const a = await store.appendMessage(c.id, { role: 'assistant', content: '' });
    for (let i = 1; i <= 20; i++) {
      await store.updateMessage(c.id, a.id, { content: 'x'.repeat(i) });
    }
    const file = journalOf(folder, c.id);
    const lines = (await fsp.readFile(file, 'utf8')).split('\n').filter(Boolean);
    assert.ok(lines.length < 10, `compacted to ${lines.length} lines`);
    assert.ok((await fsp.stat(`${file}.bak`)).size > 0);
    assert.equal((await openStore(folder)).get(c.id)?.messages[0]?.content, 'x'.repeat(20));
    // Destroy the journal's first record (the snapshot): the backup supplies the conversation.
    const text = await fsp.readFile(file, 'utf8');
    await fsp.writeFile(file, `garbage${text.slice(7)}`);
    const recovered = await openStore(folder);
    assert.ok(recovered.recovered[0]?.usedBackup);
    assert.equal(recovered.get(c.id)?.title, 'compact');
    assert.ok((recovered.get(c.id)?.messages[0]?.content.length ?? 0) >= 15);
  });

  test('two windows appending to the same conversation at once lose nothing, even while one compacts', async function () {
    this.timeout(60_000);
    const folder = await tempDir();
    const a = await openStore(folder, { compactAfterRecords: 7 });
    const conv = await a.create('shared');
    const b = await openStore(folder, { compactAfterRecords: 11 });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      writes.push(a.appendMessage(conv.id, { role: 'user', content: `a${i}`, parentId: null }));
      writes.push(b.appendMessage(conv.id, { role: 'user', content: `b${i}`, parentId: null }));
      if (i % 9 === 0) {
        writes.push(a.compact(conv.id));
      }
      if (i % 13 === 0) {
        writes.push(b.compact(conv.id));
      }
    }
    await Promise.all(writes);
    await a.flush();
    await b.flush();
    const merged = await openStore(folder);
    const contents = new Set(merged.get(conv.id)?.messages.map((m) => m.content));
    for (let i = 0; i < 60; i++) {
      assert.ok(contents.has(`a${i}`), `a${i} lost`);
      assert.ok(contents.has(`b${i}`), `b${i} lost`);
    }
    assert.equal(contents.size, 120);
    // The other window sees them through refresh().
    await a.refresh();
    assert.equal(a.get(conv.id)?.messages.length, 120);
  });

  test('refresh picks up another window\'s new conversation and appends', async () => {
    const folder = await tempDir();
    const a = await openStore(folder);
    const b = await openStore(folder);
    const c = await b.create('from b');
    await b.appendMessage(c.id, { role: 'user', content: 'hello from b' });
    assert.equal(a.get(c.id), undefined);
    assert.deepEqual(await a.refresh(), [c.id]);
    assert.deepEqual(a.get(c.id)?.messages.map((m) => m.content), ['hello from b']);
    await b.appendMessage(c.id, { role: 'assistant', content: 'more' });
    await a.refresh();
    assert.equal(a.get(c.id)?.messages.length, 2);
    assert.deepEqual(await a.refresh(), [], 'nothing changed');
  });

  test('two separate processes appending and compacting the same journal lose nothing', async function () {
    this.timeout(60_000);
    const folder = await tempDir();
    const store = await openStore(folder);
    const conv = await store.create('processes');
    const worker = path.join(__dirname, 'appendWorker.ts');
    const run = (tag: string, compactAfter: number): Promise<number | null> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, folder, conv.id, tag, '300', String(compactAfter)], { stdio: ['ignore', 'pipe', 'inherit'] });
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.on('exit', resolve);
      });
    let output = '';
    const codes = await Promise.all([run('p', 37), run('q', 53)]);
    assert.deepEqual(codes, [0, 0]);
    const compactions = [...output.matchAll(/COMPACTIONS (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.ok(compactions > 0, 'the journal was replaced while the other process appended');
    const merged = await openStore(folder);
    const contents = new Set(merged.get(conv.id)?.messages.map((m) => m.content));
    for (let i = 0; i < 300; i++) {
      assert.ok(contents.has(`p${i}`), `p${i} lost`);
      assert.ok(contents.has(`q${i}`), `q${i} lost`);
    }
    assert.equal(merged.recovered.length, 0);
  });

  test('the JS CRC-32 fallback matches zlib', () => {
    for (const text of ['', 'a', 'hello world', 'ünïcode → ✓', 'x'.repeat(10_000)]) {
      const data = Buffer.from(text, 'utf8');
      assert.equal(crc32Js(data), zlib.crc32(data), text.slice(0, 20));
    }
  });
});
