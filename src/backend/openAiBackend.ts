/**
 * {@link LlmBackend} for OpenAI-compatible servers: llama.cpp's llama-server first (its `/infill`,
 * `/tokenize`, `/health`, `/props` and `timings`), LM Studio and vLLM as far as the OpenAI API goes.
 *
 * - Plain completions go to `/v1/completions`, chat to `/v1/chat/completions`, both streamed as SSE
 *   (parsed with eventsource-parser; `:` comment lines are keep-alives and ignored; `[DONE]` ends).
 * - Fill-in-the-middle (a `suffix`) goes to llama-server's native `/infill`, which inserts the model's
 *   own FIM tokens; its 501 (no FIM tokens) or a 404 (no `/infill` at all) → `fimUnsupported`.
 * - The status is checked before any SSE parsing: llama-server answers an over-long prompt with a plain
 *   400 JSON `exceed_context_size_error` even when streaming was asked for → `contextOverflow`.
 * - A malformed `data:` line is logged and skipped; a stream that carried nothing valid is `badResponse`;
 *   an `error` event or a connection dropped before the end is `midStream` with the text so far.
 * - Uses `fetch` (undici) only: llama-server closes the connection after each stream, which breaks
 *   Node's keep-alive `http` agent.
 * - `numCtx` and `keepAlive` cannot be set through this API and are ignored (the server's own `-c` rules).
 * - The API key is sent as a Bearer token and never logged.
 * Wire formats: `openAiParse.ts`; the SSE stream: `openAiStream.ts`; errors: `openAiErrors.ts`.
 * Pure: no `vscode` import.
 */
import { errors } from './errors';
import { buildMetrics } from './metrics';
import { fromStatus, mapError } from './openAiErrors';
import { doneReasonOf, embeddingsResponseSchema, field, formatParameters, modelsResponseSchema, optionalInt, parseErrorBody, propsSchema } from './openAiParse';
import { figures, handleChunk, readSse, SseState } from './openAiStream';
import type { StreamKind } from './openAiStream';
import { parseParameterBillions } from './ollamaParse';
import { RequestGuard } from './requestGuard';
import type {
  BackendKind,
  ChatRequest,
  GenerateRequest,
  GenerationEvent,
  GenerationOptions,
  LlmBackend,
  LoadedModel,
  ModelInfo,
  PullProgress,
  ServerInfo,
} from './types';
import type { Logger } from '../util/logger';
import { nullLogger } from '../util/logger';

export interface OpenAiBackendOptions {
  /** Endpoint id: the name the user gave it. */
  readonly id: string;
  /** With or without a trailing `/v1`. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Longest wait for the first byte, and then between two chunks of a stream. */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

export class OpenAiBackend implements LlmBackend {
  readonly id: string;
  readonly kind: BackendKind = 'openai';
  readonly baseUrl: string;
  /** The server root, without `/v1`. */
  private readonly root: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: Logger;
  /** What `/infill` taught us per model: true after a success, false after a 501. */
  private readonly fimKnown = new Map<string, boolean>();

  constructor(options: OpenAiBackendOptions) {
    this.id = options.id;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.root = this.baseUrl.replace(/\/v1$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.logger = options.logger ?? nullLogger;
  }

  /** The version from llama-server's `/props` (`build_info`) or vLLM's `/version`; undefined when the server has neither. */
  async serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    for (const path of ['/props', '/version']) {
      const answer = await this.getJson(path, signal, true);
      if (answer !== undefined) {
        const parsed = propsSchema.safeParse(answer);
        const version = parsed.success ? (parsed.data.build_info ?? parsed.data.version) : undefined;
        if (version !== undefined) {
          return { version };
        }
      }
    }
    return { version: undefined };
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const body = await this.getJson('/v1/models', signal, false);
    const parsed = modelsResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw errors.badResponse(this.baseUrl, 'unexpected JSON from /v1/models');
    }
    const extra = parsed.data.models ?? [];
    return (parsed.data.data ?? []).map((m): ModelInfo => {
      const twin = extra.find((e) => e.name === m.id || e.model === m.id);
      const caps = twin?.capabilities ?? [];
      const parameterCount = optionalInt(m.meta?.n_params);
      const parameterSize = twin?.details?.parameter_size || formatParameters(parameterCount);
      const family = twin?.details?.family ?? '';
      const families = (twin?.details?.families ?? []).filter((f) => f !== '');
      return {
        name: m.id,
        endpointId: this.id,
        family,
        families: families.length > 0 ? families : family ? [family] : [],
        parameterSize,
        parameterBillions: parameterCount !== undefined ? parameterCount / 1e9 : parseParameterBillions(parameterSize),
        quantization: twin?.details?.quantization_level || '',
        sizeBytes: optionalInt(m.meta?.size) ?? 0,
        contextLength: optionalInt(m.meta?.n_ctx_train) ?? optionalInt(m.max_model_len) ?? optionalInt(m.meta?.n_ctx),
        expertCount: undefined,
        capabilities: {
          completion: !caps.includes('embedding') || caps.includes('completion'),
          // llama-server lists ["completion"] whether or not the model can infill: unknown until tried.
          insert: this.fimKnown.get(m.id),
          tools: caps.includes('tools'),
          thinking: caps.includes('thinking'),
          vision: caps.includes('vision') || caps.includes('multimodal'),
          embedding: caps.includes('embedding'),
        },
        template: undefined,
      };
    });
  }

  /** llama-server keeps its model loaded: each model with a per-slot `n_ctx` is reported as loaded with it. */
  async listLoaded(signal?: AbortSignal): Promise<LoadedModel[]> {
    const body = await this.getJson('/v1/models', signal, false);
    const parsed = modelsResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw errors.badResponse(this.baseUrl, 'unexpected JSON from /v1/models');
    }
    return (parsed.data.data ?? [])
      .filter((m) => optionalInt(m.meta?.n_ctx) !== undefined)
      .map((m) => ({ name: m.id, sizeBytes: optionalInt(m.meta?.size) ?? 0, sizeVramBytes: 0, contextLength: optionalInt(m.meta?.n_ctx), expiresAt: undefined }));
  }

  /** llama-server `GET /health`: ready, still loading (503), or something else. */
  async health(signal?: AbortSignal): Promise<'ok' | 'loading' | 'error'> {
    const guard = new RequestGuard(this.timeoutMs, signal, this.fetchImpl);
    try {
      const response = await guard.fetch(`${this.root}/health`, { headers: this.headers(false) });
      const text = await response.text();
      if (response.ok) {
        return 'ok';
      }
      return response.status === 503 && /loading/i.test(text) ? 'loading' : 'error';
    } catch (error) {
      throw mapError(this, error, { path: '/health', model: undefined, guard, state: undefined });
    } finally {
      guard.dispose();
    }
  }

  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    if (request.suffix !== undefined && request.raw !== true) {
      const body = {
        input_prefix: request.prompt,
        input_suffix: request.suffix,
        ...(request.extraFiles && request.extraFiles.length > 0 ? { input_extra: request.extraFiles.map((f) => ({ filename: f.filename, text: f.text })) } : {}),
        ...this.sampling(request, 'n_predict'),
        ...(request.format !== undefined ? { json_schema: request.format === 'json' ? {} : request.format } : {}),
        ...(request.slot !== undefined ? { id_slot: request.slot } : {}),
        cache_prompt: true,
        stream: true,
      };
      return this.stream('/infill', body, request, 'infill');
    }
    const body = {
      model: request.model,
      prompt: request.system !== undefined && request.raw !== true ? `${request.system}\n\n${request.prompt}` : request.prompt,
      ...this.sampling(request, 'max_tokens'),
      ...(request.format !== undefined ? { json_schema: request.format === 'json' ? {} : request.format } : {}),
      stream: true,
      stream_options: { include_usage: true },
    };
    return this.stream('/v1/completions', body, request, 'completion');
  }

  chat(request: ChatRequest): AsyncIterable<GenerationEvent> {
    const body = {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...this.sampling(request, 'max_tokens'),
      ...(request.format === 'json'
        ? { response_format: { type: 'json_object' } }
        : request.format !== undefined
          ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: request.format } } }
          : {}),
      stream: true,
      stream_options: { include_usage: true },
    };
    return this.stream('/v1/chat/completions', body, request, 'chat');
  }

  // An async generator so the error surfaces where the caller iterates, like a real pull would.
  // eslint-disable-next-line require-yield
  async *pull(_model: string, _signal?: AbortSignal): AsyncIterable<PullProgress> {
    throw errors.notSupported(this.baseUrl, 'download models (OpenAI-compatible servers serve the models they were started with)');
  }

  deleteModel(_model: string, _signal?: AbortSignal): Promise<void> {
    return Promise.reject(errors.notSupported(this.baseUrl, 'delete models (OpenAI-compatible servers serve the models they were started with)'));
  }

  /** Exact count from llama-server's `/tokenize`; undefined when the server has no tokenizer endpoint. */
  async countTokens(_model: string, text: string, signal?: AbortSignal): Promise<number | undefined> {
    const guard = new RequestGuard(this.timeoutMs, signal, this.fetchImpl);
    try {
      const response = await guard.fetch(`${this.root}/tokenize`, { method: 'POST', headers: this.headers(true), body: JSON.stringify({ content: text }) });
      const raw = await response.text();
      if (!response.ok) {
        return undefined;
      }
      const tokens = field(JSON.parse(raw), 'tokens');
      return Array.isArray(tokens) ? tokens.length : undefined;
    } catch (error) {
      if (error instanceof SyntaxError) {
        return undefined;
      }
      throw mapError(this, error, { path: '/tokenize', model: undefined, guard, state: undefined });
    } finally {
      guard.dispose();
    }
  }

  // ---- internals ----

  private headers(json: boolean): Record<string, string> {
    return {
      Accept: json ? 'application/json, text/event-stream' : 'application/json',
      ...(json ? { 'Content-Type': 'application/json' } : {}),
      ...(this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {}),
    };
  }

  private sampling(request: GenerationOptions, limitKey: 'max_tokens' | 'n_predict'): Record<string, unknown> {
    return {
      ...(request.numPredict !== undefined ? { [limitKey]: Math.floor(request.numPredict) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: Math.floor(request.seed) } : {}),
      ...(request.stop !== undefined && request.stop.length > 0 ? { stop: [...request.stop] } : {}),
    };
  }

  /** `POST /v1/embeddings`: one vector per input, in input order. */
  async embed(model: string, inputs: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const path = '/v1/embeddings';
    const guard = new RequestGuard(this.timeoutMs, signal, this.fetchImpl);
    let text: string;
    try {
      const response = await guard.fetch(`${this.root}${path}`, { method: 'POST', headers: this.headers(true), body: JSON.stringify({ model, input: inputs }) });
      text = await response.text();
      if (!response.ok) {
        throw fromStatus(this, response.status, parseErrorBody(text), path, model);
      }
    } catch (error) {
      throw mapError(this, error, { path, model, guard, state: undefined });
    } finally {
      guard.dispose();
    }
    let parsed;
    try {
      parsed = embeddingsResponseSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success !== true || parsed.data.data.length !== inputs.length) {
      throw errors.badResponse(this.baseUrl, `${path} did not answer one embedding per input`);
    }
    // Servers may answer out of order; `index` says which input each vector belongs to.
    return [...parsed.data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding);
  }

  /** GET a JSON document. With `optional`, an HTTP error status gives undefined instead of an error. */
  private async getJson(path: string, signal: AbortSignal | undefined, optional: boolean): Promise<unknown> {
    const guard = new RequestGuard(this.timeoutMs, signal, this.fetchImpl);
    try {
      const response = await guard.fetch(`${this.root}${path}`, { headers: this.headers(false) });
      const text = await response.text();
      if (!response.ok) {
        if (optional) {
          return undefined;
        }
        throw fromStatus(this, response.status, parseErrorBody(text), path, undefined);
      }
      try {
        return JSON.parse(text);
      } catch {
        if (optional) {
          return undefined;
        }
        throw errors.badResponse(this.baseUrl, `${path} did not answer JSON`);
      }
    } catch (error) {
      throw mapError(this, error, { path, model: undefined, guard, state: undefined });
    } finally {
      guard.dispose();
    }
  }

  private async *stream(path: string, body: Record<string, unknown>, request: GenerationOptions, kind: StreamKind): AsyncGenerator<GenerationEvent> {
    const guard = new RequestGuard(this.timeoutMs, request.signal, this.fetchImpl);
    const state = new SseState();
    const startedAt = performance.now();
    try {
      const response = await guard.fetch(`${this.root}${path}`, { method: 'POST', headers: this.headers(true), body: JSON.stringify(body) });
      if (!response.ok) {
        // Checked before any SSE parsing: errors come as plain JSON even for streaming requests.
        const error = fromStatus(this, response.status, parseErrorBody(await response.text()), path, request.model);
        if (kind === 'infill' && error.kind === 'fimUnsupported') {
          this.fimKnown.set(request.model, false);
        }
        throw error;
      }
      if (response.body === null) {
        throw errors.badResponse(this.baseUrl, `${path} answered without a body`);
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (contentType.includes('application/json')) {
        // The server ignored `stream`: one JSON answer.
        const whole: unknown = JSON.parse(await response.text());
        handleChunk(whole, kind, state);
        if (state.text !== '') {
          state.firstTokenAt = performance.now();
          yield { type: 'token', text: state.text };
        }
        state.finished = true;
      } else {
        yield* readSse(response.body, { path, endpointId: this.id, logger: this.logger }, kind, state);
      }
      if (state.errorText !== undefined) {
        throw errors.midStream(state.errorText, state.text);
      }
      if (state.validEvents === 0 && state.malformedEvents > 0) {
        throw errors.badResponse(this.baseUrl, `${path} streamed ${state.malformedEvents} event(s) that are not JSON`);
      }
      if (state.validEvents === 0 && !state.finished) {
        throw errors.badResponse(this.baseUrl, `${path} did not stream any server-sent event`);
      }
      if (!state.finished && state.finishReason === undefined) {
        throw errors.midStream('the stream ended before its end marker', state.text);
      }
      if (kind === 'infill') {
        this.fimKnown.set(request.model, true);
        if (state.servedModel !== undefined) {
          this.fimKnown.set(state.servedModel, true);
        }
      }
      const metrics = buildMetrics(figures(state), { startedAt, firstTokenAt: state.firstTokenAt, endedAt: performance.now(), pieces: state.pieces });
      this.logger.debug(
        `[${this.id}] ${path} ${request.model}: ${metrics.generatedTokens} tokens, prompt ${metrics.promptTokens} (${metrics.cachedPromptTokens} cached), first token ${Math.round(metrics.timeToFirstTokenMs)} ms, total ${Math.round(metrics.totalMs)} ms`,
      );
      yield { type: 'done', result: { text: state.text, doneReason: doneReasonOf(state.finishReason), metrics } };
    } catch (error) {
      const mapped = mapError(this, error, { path, model: request.model, guard, state });
      if (mapped.kind !== 'aborted') {
        this.logger.warn(`[${this.id}] ${path} ${request.model}: ${mapped.kind}: ${mapped.message}`);
      }
      throw mapped;
    } finally {
      guard.dispose();
    }
  }

}
