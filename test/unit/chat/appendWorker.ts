// A second "VS Code window" for the history store's multi-process test: appends N messages to one conversation.
import { HistoryStore } from '../../../src/chat/historyStore';

async function main(): Promise<void> {
  const [folder, conversationId, tag, count, compactAfter] = process.argv.slice(2);
  if (!folder || !conversationId || !tag || !count) {
    throw new Error('usage: appendWorker <folder> <conversationId> <tag> <count> [compactAfter]');
  }
  const store = await HistoryStore.open({ folder, compactAfterRecords: Number(compactAfter ?? 400), durable: false });
  let compactions = 0;
  for (let i = 0; i < Number(count); i++) {
    await store.appendMessage(conversationId, { role: 'user', content: `${tag}${i}`, parentId: null });
    if (compactAfter && i % Number(compactAfter) === 0) {
      // Rewrites the journal (temp file + rename) while the other process keeps appending.
      if (await store.compact(conversationId)) {
        compactions++;
      }
    }
  }
  await store.flush();
  console.log(`COMPACTIONS ${compactions}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
