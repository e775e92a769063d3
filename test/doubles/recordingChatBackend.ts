/** A chat backend for controller tests: records each request and answers "ok" (TEST DOUBLE). */
import type { ChatRequest, GenerationEvent } from '../../src/backend/types';
import type { ChatEnvironment } from '../../src/chat/answerPlan';
import type { ChatContextItem } from '../../src/chat/promptAssembly';
import { fakeModel } from './fakeLlmBackend';

export class RecordingChatBackend {
  readonly id = 'fake';
  readonly kind = 'ollama';
  readonly requests: ChatRequest[] = [];
  async *chat(request: ChatRequest): AsyncIterable<GenerationEvent> {
    this.requests.push(request);
    await Promise.resolve();
    yield { type: 'done', result: { text: 'ok', doneReason: 'stop', metrics: { promptTokens: 1, cachedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, tokensPerSecond: 1, loadMs: 0, promptEvalMs: 0, totalMs: 1 } } };
  }
}

/** A chunk the workspace index retrieved: a function defined in another file. */
export const retrievedRouterChunk: ChatContextItem = { id: 'codebase:src/router.ts:10-14', kind: 'file', label: 'src/router.ts:10-14', languageId: 'ts', text: 'export function registerRoute(path: string) {\n  routes.set(path);\n}' };

/** The user's selection, which calls that function. */
export const callerSelection: ChatContextItem = { id: 'selection', kind: 'selection', label: 'src/app.ts:3-3', languageId: 'ts', text: 'registerRoute("/home");' };

/** One model ("m:1b" on endpoint "fake") serving every tier, no caps: the chat's environment for these tests. */
export function oneModelChatEnvironment(): ChatEnvironment {
  return {
    router: { tiers: { small: { model: 'm:1b', endpoint: '' }, code: { model: 'm:1b', endpoint: '' }, moe: { model: 'm:1b', endpoint: '' } }, pins: {}, installed: [fakeModel({ name: 'm:1b', endpointId: 'fake' })], loaded: [], preferLoaded: true },
    answerReserveTokens: 256,
    maxContextTokens: 0,
    keepAlive: undefined,
  };
}
