import * as assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LlmBackend } from '../../../src/backend/types';
import { sourcesOf } from '../../../src/chat/answerSources';
import { ChatController } from '../../../src/chat/chatController';
import type { ChatControllerDeps } from '../../../src/chat/chatPorts';
import { HistoryStore, threadOf } from '../../../src/chat/historyStore';
import { assembleChatPrompt, type ChatContextItem } from '../../../src/chat/promptAssembly';
import { asksAboutCode, retrievalFor } from '../../../src/chat/retrievalDecision';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { nullLogger } from '../../../src/util/logger';
import type { HostToWebview } from '../../../src/webview/protocol';
import { callerSelection, oneModelChatEnvironment, RecordingChatBackend, retrievedRouterChunk } from '../../doubles/recordingChatBackend';


async function setup(options: { folder?: string; codebase?: boolean; context?: ChatContextItem[] } = {}) {
  const folder = options.folder ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'tiered-chat-sources-')));
  const store = await HistoryStore.open({ folder, durable: false });
  const backend = new RecordingChatBackend();
  const posted: HostToWebview[] = [];
  const asked: string[] = [];
  const remembered: boolean[] = [];
  const env = oneModelChatEnvironment();
  const controller = new ChatController({
    store,
    post: (m) => posted.push(m),
    backends: () => Promise.resolve([backend as unknown as LlmBackend]),
    environment: () => Promise.resolve(env),
    counter: approximateCounter(),
    context: () => options.context ?? [callerSelection],
    retrieve: (q) => {
      asked.push(q);
      return Promise.resolve([retrievedRouterChunk]);
    },
    ...(options.codebase !== undefined ? { codebaseToggle: { initial: options.codebase, remember: (on: boolean) => remembered.push(on) } } : {}),
    logger: nullLogger,
    clock: () => 0,
    rememberActive: () => undefined,
    initialActiveId: undefined,
  });
  const ask = async (text: string) => {
    await controller.handle({ type: 'send', text });
    await controller.streaming;
    await store.flush();
    const conversation = store.get(controller.activeConversationId ?? '');
    return conversation === undefined ? undefined : threadOf(conversation).at(-1);
  };
  return { folder, store, backend, posted, asked, remembered, controller, ask };
}

suite('chat: answer sources and the codebase toggle', () => {
  test('the answer records the selection and the retrieved chunk as sources; streamEnd and the state carry them', async () => {
    const { ask, posted, controller } = await setup();
    const answer = await ask('@codebase where is registerRoute defined?');
    assert.deepEqual(answer?.meta?.sources, [
      { path: 'src/app.ts', startLine: 3, endLine: 3, kind: 'selection' },
      { path: 'src/router.ts', startLine: 10, endLine: 14, kind: 'codebase' },
    ]);
    const end = posted.find((m) => m.type === 'streamEnd');
    assert.ok(end?.type === 'streamEnd');
    assert.deepEqual(end.sources?.map((s) => s.path), ['src/app.ts', 'src/router.ts']);
    const state = await controller.snapshot();
    assert.deepEqual(state.messages.at(-1)?.sources?.map((s) => `${s.path}:${s.startLine}-${s.endLine}`), ['src/app.ts:3-3', 'src/router.ts:10-14']);
    assert.equal(state.messages.at(-2)?.sources, undefined, 'the question has none');
  });

  test('sources are persisted: a reopened history shows the chips again', async () => {
    const first = await setup();
    await first.ask('@codebase where is registerRoute defined?');
    const again = await setup({ folder: first.folder });
    const state = await again.controller.snapshot();
    assert.deepEqual(state.messages.at(-1)?.sources?.map((s) => s.kind), ['selection', 'codebase']);
  });

  test('only a recorded source of that answer may be opened', async () => {
    const { ask, controller } = await setup();
    const answer = await ask('@codebase where is registerRoute defined?');
    const id = answer?.id ?? '';
    assert.deepEqual(controller.sourceToOpen(id, { path: 'src/router.ts', startLine: 10, endLine: 14 }), { path: 'src/router.ts', startLine: 10, endLine: 14, kind: 'codebase' });
    assert.equal(controller.sourceToOpen(id, { path: '../../etc/passwd', startLine: 10, endLine: 14 }), undefined, 'a path that is not a source');
    assert.equal(controller.sourceToOpen(id, { path: 'src/router.ts', startLine: 1, endLine: 14 }), undefined, 'another range of a source file');
    assert.equal(controller.sourceToOpen('someOtherMessage', { path: 'src/router.ts', startLine: 10, endLine: 14 }), undefined, 'another message');
  });

  test('codebase on: a question about code retrieves without @codebase; small talk does not', async () => {
    const { ask, asked, backend, controller } = await setup({ codebase: true });
    assert.equal((await controller.snapshot()).codebase, true);
    const answer = await ask('where is registerRoute defined?');
    assert.deepEqual(asked, ['where is registerRoute defined?']);
    assert.ok((backend.requests[0]?.messages.at(-1)?.content ?? '').includes('routes.set(path);'), 'the chunk is in the prompt');
    assert.match(answer?.meta?.contextReport ?? '', /sources from the index: src\/router\.ts:10-14 \(codebase on/);
    await ask('thanks, that is all');
    assert.equal(asked.length, 1, 'small talk retrieves nothing');
  });

  test('a turn a command started (a saved prompt, with its own code) does not retrieve by itself', async () => {
    const { asked, controller, store } = await setup({ codebase: true });
    await controller.ask({ text: 'Summarise this code from cart.ts: how does applyDiscount work?', task: 'explain', context: [callerSelection] });
    await controller.streaming;
    await store.flush();
    assert.deepEqual(asked, [], 'the toggle is for typed questions');
    await controller.ask({ text: '@codebase where is registerRoute defined?', task: 'chat' });
    await controller.streaming;
    assert.equal(asked.length, 1, '@codebase still retrieves');
  });

  test('codebase off (remembered): only @codebase retrieves', async () => {
    const { ask, asked, controller, remembered } = await setup({ codebase: true });
    await controller.handle({ type: 'setCodebase', enabled: false });
    assert.deepEqual(remembered, [false]);
    assert.equal((await controller.snapshot()).codebase, false);
    const answer = await ask('where is registerRoute defined?');
    assert.deepEqual(asked, []);
    assert.deepEqual(answer?.meta?.sources?.map((s) => s.kind), ['selection'], 'only what the user attached');
    await ask('@codebase where is registerRoute defined?');
    assert.equal(asked.length, 1);
  });

  /** A controller with no server, for what its snapshot offers; `extra` adds the index ports. */
  async function bareController(name: string, extra: Partial<ChatControllerDeps>): Promise<ChatController> {
    const folder = await fsp.mkdtemp(path.join(os.tmpdir(), `tiered-chat-${name}-`));
    const store = await HistoryStore.open({ folder, durable: false });
    return new ChatController({
      store,
      post: () => undefined,
      backends: () => Promise.resolve([]),
      environment: () => Promise.reject(new Error('no env')),
      counter: approximateCounter(),
      context: () => [],
      logger: nullLogger,
      clock: () => 0,
      rememberActive: () => undefined,
      initialActiveId: undefined,
      ...extra,
    });
  }

  test('without an index there is no toggle', async () => {
    const controller = await bareController('noindex', {});
    assert.equal((await controller.snapshot()).codebase, undefined);
  });

  test('with the index off (setting or no folder) the toggle is not offered', async () => {
    let available = false;
    const controller = await bareController('indexoff', {
      retrieve: () => Promise.resolve([]),
      codebaseToggle: { initial: true, remember: () => undefined },
      retrievalAvailable: () => available,
    });
    assert.equal((await controller.snapshot()).codebase, undefined);
    available = true;
    assert.equal((await controller.snapshot()).codebase, true);
  });

  test('an answer another feature streams keeps the sources it was given', async () => {
    const { controller, store, posted } = await setup();
    const turn = await controller.externalTurn({ text: 'Explain src/a.ts:3-9', tier: 'code', model: 'm:1b', endpointId: 'fake', reasons: [], sources: [{ path: 'src/a.ts', startLine: 3, endLine: 9, kind: 'selection' }, { path: 'src/b.ts', startLine: 1, endLine: 4, kind: 'definition' }] });
    assert.ok(turn);
    turn.append('It adds.');
    await turn.finish();
    await store.flush();
    const answer = threadOf(store.get(controller.activeConversationId ?? '')!).at(-1);
    assert.deepEqual(answer?.meta?.sources?.map((s) => s.kind), ['selection', 'definition']);
    const end = posted.find((m) => m.type === 'streamEnd');
    assert.equal(end?.type === 'streamEnd' ? end.sources?.length : 0, 2);
  });

  test('an item dropped for lack of room is not a source; a whole file is a source from line 1', () => {
    const big: ChatContextItem = { id: 'file', kind: 'file', label: 'src/big.ts', languageId: 'ts', text: Array.from({ length: 4000 }, (_, i) => `const v${i} = ${i};`).join('\n') };
    const small: ChatContextItem = { id: 'selection', kind: 'selection', label: 'src/a.ts:1-2', languageId: 'ts', text: 'a\nb' };
    const thread = [{ id: 'u', parentId: null, role: 'user' as const, content: 'q', createdAt: 1, status: 'complete' as const }];
    const prompt = assembleChatPrompt({ thread, context: [small, big], promptBudget: 60, counter: approximateCounter() });
    assert.deepEqual(prompt.includedIds, ['selection'], prompt.report);
    assert.deepEqual(sourcesOf([big]), [{ path: 'src/big.ts', startLine: 1, endLine: 4000, kind: 'file' }]);
    assert.deepEqual(sourcesOf([small, small]).length, 1, 'each range once');
  });

  test('the auto-retrieve decision: identifiers, calls, files and where/how/why; not small talk', () => {
    for (const q of ['where are routes registered?', 'How does the cache expire?', 'why is this slow', 'what does parseCsvLine return', 'explain CartItem', 'what calls apply_discount', 'what does `total` mean', 'is render() pure?', 'what is in cart.ts']) {
      assert.ok(asksAboutCode(q), q);
    }
    for (const q of ['thanks!', 'make it shorter please', 'what is a closure in general', 'Hello there']) {
      assert.ok(!asksAboutCode(q), q);
    }
    assert.equal(retrievalFor('@codebase thanks', false), 'mention', '@codebase always retrieves');
    assert.equal(retrievalFor('where is it?', true), 'auto');
    assert.equal(retrievalFor('where is it?', false), undefined, 'toggle off');
    assert.equal(retrievalFor('thanks', true), undefined);
  });
});
