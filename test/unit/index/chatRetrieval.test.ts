import * as assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChatRequest, LlmBackend } from '../../../src/backend/types';
import { ChatController } from '../../../src/chat/chatController';
import { HistoryStore, threadOf } from '../../../src/chat/historyStore';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { fenceLanguage, mentionsCodebase, sourceLabel, withoutCodebaseMention } from '../../../src/index/retrieval';
import { nullLogger } from '../../../src/util/logger';
import { callerSelection, oneModelChatEnvironment, RecordingChatBackend, retrievedRouterChunk } from '../../doubles/recordingChatBackend';


async function chatWith(question: string): Promise<{ request: ChatRequest | undefined; questions: string[]; report: string | undefined }> {
  const folder = await fsp.mkdtemp(path.join(os.tmpdir(), 'tiered-index-chat-'));
  const store = await HistoryStore.open({ folder, durable: false });
  const backend = new RecordingChatBackend();
  const questions: string[] = [];
  const env = oneModelChatEnvironment();
  const controller = new ChatController({
    store,
    post: () => undefined,
    backends: () => Promise.resolve([backend as unknown as LlmBackend]),
    environment: () => Promise.resolve(env),
    counter: approximateCounter(),
    context: () => [callerSelection],
    retrieve: (q) => {
      questions.push(q);
      return Promise.resolve([retrievedRouterChunk]);
    },
    logger: nullLogger,
    clock: () => 0,
    rememberActive: () => undefined,
    initialActiveId: undefined,
  });
  await controller.handle({ type: 'ready' });
  await controller.handle({ type: 'send', text: question });
  await controller.streaming;
  await store.flush();
  const conversation = store.get(controller.activeConversationId ?? '');
  const answer = conversation === undefined ? undefined : threadOf(conversation).find((m) => m.role === 'assistant');
  return { request: backend.requests[0], questions, report: answer?.meta?.contextReport };
}

suite('index: @codebase in chat', () => {
  test('the mention is recognised and removed for the search; sources are named file:lines', () => {
    assert.ok(mentionsCodebase('@codebase where are routes registered?'));
    assert.ok(mentionsCodebase('where are routes registered? @Codebase'));
    assert.ok(!mentionsCodebase('mail me at a@codebase.io'));
    assert.equal(withoutCodebaseMention('@codebase where are  routes registered?'), 'where are routes registered?');
    assert.equal(sourceLabel({ path: 'src/a.ts', startLine: 3, endLine: 9, symbols: [], kind: 'lines' }), 'src/a.ts:3-9');
    assert.equal(fenceLanguage('lib/x.PY'), 'py');
    assert.equal(fenceLanguage('Makefile'), '');
  });

  test('with @codebase, the retrieved chunk goes into the prompt after the selection, before the question, and the answer names its source', async () => {
    const { request, questions, report } = await chatWith('@codebase where is registerRoute defined?');
    assert.deepEqual(questions, ['@codebase where is registerRoute defined?']);
    const last = request?.messages.at(-1)?.content ?? '';
    const chunkAt = last.indexOf('routes.set(path);');
    const selectionAt = last.indexOf('registerRoute("/home");');
    const questionAt = last.indexOf('where is registerRoute defined?');
    assert.ok(selectionAt >= 0 && chunkAt > selectionAt && questionAt > chunkAt, last);
    assert.match(report ?? '', /sources from the index: src\/router\.ts:10-14/);
  });

  test('without @codebase nothing is retrieved', async () => {
    const { request, questions, report } = await chatWith('where is registerRoute defined?');
    assert.deepEqual(questions, []);
    assert.ok(!(request?.messages.at(-1)?.content ?? '').includes('routes.set(path);'));
    assert.doesNotMatch(report ?? '', /sources from the index/);
  });
});
