/** A chat backend for controller tests: records each request and answers "ok" (TEST DOUBLE). */
import type { ChatRequest, GenerationEvent } from '../../src/backend/types';
import type { ChatContextItem } from '../../src/chat/promptAssembly';

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
