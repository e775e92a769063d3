/**
 * One streamed answer of an OpenAI-compatible server: the SSE events read as they arrive (keep-alive comments
 * ignored, `[DONE]` ends, malformed events counted and skipped), each JSON chunk applied to the stream's state
 * (chat, completion and llama-server `/infill` put the text in different places), and the figures at the end.
 * Pure: no `vscode` import.
 */
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { num } from './metrics';
import type { ServerFigures } from './metrics';
import { field, str } from './openAiParse';
import type { GenerationEvent } from './types';
import type { Logger } from '../util/logger';

/** Which endpoint a stream comes from: they differ in where the text and the end marker are. */
export type StreamKind = 'chat' | 'completion' | 'infill';

/** Mutable state of one SSE stream. */
export class SseState {
  text = '';
  pieces = 0;
  firstTokenAt: number | undefined;
  validEvents = 0;
  malformedEvents = 0;
  finished = false;
  finishReason: unknown = undefined;
  errorText: string | undefined;
  usage: unknown = undefined;
  timings: unknown = undefined;
  /** The model name the server says it used (llama-server ignores the requested one). */
  servedModel: string | undefined;
}

/** Reads SSE events and yields text as it arrives. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  source: { readonly path: string; readonly endpointId: string; readonly logger: Logger },
  kind: StreamKind,
  state: SseState,
): AsyncGenerator<GenerationEvent> {
  const { path, logger } = source;
  const pending: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (event) => pending.push(event),
    // `:` lines are llama-server's keep-alives: nothing to do.
    onComment: () => undefined,
    onError: (error) => logger.warn(`[${source.endpointId}] ${path}: bad SSE line (${error.type})`),
  });
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      if (done) {
        // A last event without its blank line still counts.
        parser.feed('\n\n');
      }
      while (pending.length > 0) {
        const event = pending.shift();
        if (event === undefined) {
          break;
        }
        if (event.data.trim() === '[DONE]') {
          state.finished = true;
          continue;
        }
        let json: unknown;
        try {
          json = JSON.parse(event.data);
        } catch {
          state.malformedEvents++;
          logger.warn(`[${source.endpointId}] ${path}: skipped a malformed event: ${event.data.slice(0, 200)}`);
          continue;
        }
        const before = state.text.length;
        handleChunk(json, kind, state);
        if (state.text.length > before) {
          state.firstTokenAt ??= performance.now();
          state.pieces++;
          yield { type: 'token', text: state.text.slice(before) };
        }
        if (state.errorText !== undefined) {
          return;
        }
      }
      if (done || state.finished) {
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Applies one JSON chunk to the stream state. */
export function handleChunk(json: unknown, kind: StreamKind, state: SseState): void {
  if (typeof json !== 'object' || json === null) {
    state.malformedEvents++;
    return;
  }
  const error = field(json, 'error');
  if (error !== undefined) {
    state.errorText = str(field(error, 'message')) || str(error) || JSON.stringify(error);
    return;
  }
  state.validEvents++;
  const served = field(json, 'model');
  if (typeof served === 'string' && served !== '') {
    state.servedModel = served;
  }
  const timings = field(json, 'timings');
  if (timings !== undefined) {
    state.timings = timings;
  }
  const usage = field(json, 'usage');
  if (usage !== undefined && usage !== null) {
    state.usage = usage;
  }
  if (kind === 'infill') {
    state.text += str(field(json, 'content'));
    if (field(json, 'stop') === true) {
      state.finished = true;
      state.finishReason = field(json, 'stop_type') ?? 'stop';
    }
    return;
  }
  const choices = field(json, 'choices');
  const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
  if (choice === undefined) {
    return;
  }
  if (kind === 'chat') {
    state.text += str(field(field(choice, 'delta'), 'content')) || str(field(field(choice, 'message'), 'content'));
  } else {
    state.text += str(field(choice, 'text'));
  }
  const finish = field(choice, 'finish_reason');
  if (typeof finish === 'string') {
    state.finishReason = finish;
  }
}

/** The server's figures of a finished stream: llama-server `timings` when present, else OpenAI `usage`. */
export function figures(state: SseState): ServerFigures {
  const t = state.timings;
  if (t !== undefined) {
    const cached = num(field(t, 'cache_n'));
    return {
      promptTokens: num(field(t, 'prompt_n')) + cached,
      cachedPromptTokens: cached,
      generatedTokens: num(field(t, 'predicted_n')),
      generationMs: num(field(t, 'predicted_ms')),
      loadMs: 0,
      promptEvalMs: num(field(t, 'prompt_ms')),
      tokensPerSecond: num(field(t, 'predicted_per_second')),
    };
  }
  const u = state.usage;
  return {
    promptTokens: num(field(u, 'prompt_tokens')),
    cachedPromptTokens: num(field(field(u, 'prompt_tokens_details'), 'cached_tokens')),
    generatedTokens: num(field(u, 'completion_tokens')),
    generationMs: 0,
    loadMs: 0,
    promptEvalMs: 0,
  };
}
