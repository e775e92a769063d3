/**
 * Chat history store: append throughput (durable = fsync per append, and without fsync as the baseline of the
 * same code path), load/recovery time of a 50 MB history, and recovery of a journal with a torn last record.
 * Writes bench/results/chatHistory.json.
 */
import { mkdirSync, promises as fsp, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../src/chat/historyStore';

const TARGET_BYTES = 50 * 1024 * 1024;

function paragraph(i: number): string {
  // About 1.2 KB of typical answer text with a code block.
  return `Answer ${i}: here is how to do it.\n\n\`\`\`ts\nexport function f${i}(x: number): number {\n  return x * ${i} + 1;\n}\n\`\`\`\n\n${'Some explanation of the code above, with details. '.repeat(20)}`;
}

async function appendThroughput(durable: boolean, count: number): Promise<{ appendsPerSecond: number; mbPerSecond: number; count: number }> {
  const folder = await fsp.mkdtemp(path.join(os.tmpdir(), 'tiered-bench-append-'));
  const store = await HistoryStore.open({ folder, durable });
  const c = await store.create('bench');
  const text = paragraph(1);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await store.appendMessage(c.id, { role: i % 2 === 0 ? 'user' : 'assistant', content: text });
  }
  const seconds = (performance.now() - started) / 1000;
  const bytes = (await fsp.stat(path.join(folder, 'conversations', `${c.id}.jsonl`))).size;
  await fsp.rm(folder, { recursive: true, force: true });
  return { appendsPerSecond: Math.round(count / seconds), mbPerSecond: Number((bytes / 1024 / 1024 / seconds).toFixed(2)), count };
}

async function main(): Promise<void> {
  const durable = await appendThroughput(true, 2000);
  const fast = await appendThroughput(false, 5000);
  console.log(`append, fsync each (durable): ${durable.appendsPerSecond} appends/s, ${durable.mbPerSecond} MB/s`);
  console.log(`append, no fsync (baseline):   ${fast.appendsPerSecond} appends/s, ${fast.mbPerSecond} MB/s (durable costs ${(fast.appendsPerSecond / durable.appendsPerSecond).toFixed(1)}x)`);

  // A 50 MB history: 100 conversations of ~0.5 MB each, written without fsync to build it quickly.
  const folder = await fsp.mkdtemp(path.join(os.tmpdir(), 'tiered-bench-50mb-'));
  const builder = await HistoryStore.open({ folder, durable: false });
  let written = 0;
  let messages = 0;
  const ids: string[] = [];
  while (written < TARGET_BYTES) {
    const c = await builder.create(`conversation ${ids.length}`);
    ids.push(c.id);
    for (let i = 0; i < 400; i++) {
      const m = await builder.appendMessage(c.id, { role: i % 2 === 0 ? 'user' : 'assistant', content: paragraph(messages) });
      written += m.content.length + 200;
      messages++;
    }
  }
  let total = 0;
  for (const id of ids) {
    total += (await fsp.stat(path.join(folder, 'conversations', `${id}.jsonl`))).size;
  }
  // Baseline in the same process: read every journal and JSON.parse each line (the least any loader must do).
  const baselineStart = performance.now();
  for (const id of ids) {
    const text = await fsp.readFile(path.join(folder, 'conversations', `${id}.jsonl`), 'utf8');
    for (const line of text.split('\n')) {
      if (line) {
        JSON.parse(line);
      }
    }
  }
  const baselineMs = performance.now() - baselineStart;
  const cleanStart = performance.now();
  const clean = await HistoryStore.open({ folder, durable: false });
  const cleanMs = performance.now() - cleanStart;
  const loadedMessages = clean.list().reduce((n, c) => n + c.messageCount, 0);

  // Tear the last record of every 10th conversation (a crash mid-write) and load again: recovery + repair.
  let torn = 0;
  for (const [i, id] of ids.entries()) {
    if (i % 10 === 0) {
      const file = path.join(folder, 'conversations', `${id}.jsonl`);
      const st = await fsp.stat(file);
      await fsp.truncate(file, st.size - 300);
      torn++;
    }
  }
  const recoverStart = performance.now();
  const recovered = await HistoryStore.open({ folder, durable: false });
  const recoverMs = performance.now() - recoverStart;
  const searchStart = performance.now();
  const hits = recovered.search('answer 12345', 20);
  const searchMs = performance.now() - searchStart;
  console.log(`50 MB history: ${(total / 1024 / 1024).toFixed(1)} MB, ${ids.length} conversations, ${loadedMessages} messages`);
  console.log(`  load (clean):                         ${cleanMs.toFixed(0)} ms (baseline read + JSON.parse: ${baselineMs.toFixed(0)} ms, ratio ${(cleanMs / baselineMs).toFixed(1)}x)`);
  console.log(`  load with ${torn} torn journals (recover + repair): ${recoverMs.toFixed(0)} ms, ${recovered.recovered.length} reported`);
  console.log(`  search across all text:               ${searchMs.toFixed(1)} ms (${hits.length} hits)`);
  await fsp.rm(folder, { recursive: true, force: true });

  const results = {
    appendDurable: durable,
    appendNoFsync: fast,
    history50MB: {
      bytes: total,
      conversations: ids.length,
      messages: loadedMessages,
      loadCleanMs: Math.round(cleanMs),
      baselineReadParseMs: Math.round(baselineMs),
      loadRatioToBaseline: Number((cleanMs / baselineMs).toFixed(1)),
      loadWithRecoveryMs: Math.round(recoverMs),
      tornJournals: torn,
      recoveredReports: recovered.recovered.length,
      searchMs: Number(searchMs.toFixed(1)),
    },
    machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: Number(os.loadavg()[0]?.toFixed(1)) },
  };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'chatHistory.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (recovered.recovered.length !== torn) {
    throw new Error(`expected ${torn} recovery reports, got ${recovered.recovered.length}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
