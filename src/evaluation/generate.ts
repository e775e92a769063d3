/**
 * One generation for the suite: the whole answer with its timings and token counts, from the backend's stream.
 * Pure: no `vscode` import.
 */
import type { GenerateRequest, LlmBackend } from '../backend/types';
import type { Clock } from '../util/clock';

/** A finished answer. */
export interface Answer {
  readonly text: string;
  readonly timeToFirstTokenMs: number;
  readonly totalMs: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
}

/** Runs one request to the end; the server's own figures win over the client's where it gives them. */
export async function generateAnswer(backend: LlmBackend, request: GenerateRequest, clock: Clock): Promise<Answer> {
  const start = clock.now();
  let firstTokenAt: number | undefined;
  let text = '';
  for await (const event of backend.generate(request)) {
    if (event.type === 'token') {
      firstTokenAt ??= clock.now();
      text += event.text;
      continue;
    }
    const m = event.result.metrics;
    return {
      text: event.result.text !== '' ? event.result.text : text,
      timeToFirstTokenMs: m.timeToFirstTokenMs > 0 ? m.timeToFirstTokenMs : (firstTokenAt ?? clock.now()) - start,
      totalMs: m.totalMs > 0 ? m.totalMs : clock.now() - start,
      promptTokens: m.promptTokens,
      generatedTokens: m.generatedTokens,
    };
  }
  const end = clock.now();
  return { text, timeToFirstTokenMs: (firstTokenAt ?? end) - start, totalMs: end - start, promptTokens: 0, generatedTokens: 0 };
}
