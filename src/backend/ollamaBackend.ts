/**
 * {@link LlmBackend} for Ollama's native API, through the `ollama` package (ollama-js 0.6.4).
 *
 * ollama-js quirks handled here (see shared/reference/ollama-api.md §3 and §10):
 * - `stream` is always sent explicitly (the server defaults to true, ollama-js to false).
 * - Every call gets its own client whose `fetch` carries a {@link RequestGuard}: the caller's
 *   AbortSignal and an inactivity timeout reach even the calls ollama-js cannot abort itself.
 * - ollama-js skips unparsable NDJSON lines with a console warning. Our fetch filters the body first:
 *   a malformed line is logged and dropped, and counted; a stream that carried only garbage becomes
 *   `badResponse` instead of an empty answer. An `{"error"}` line is recorded so it becomes `midStream`
 *   with the text received so far. A stream that ends without its `done` line is `midStream` too.
 * - `ResponseError` is not exported: it is detected by `name` and `status_code`.
 * Pure: no `vscode` import.
 */
import { Ollama } from 'ollama';
import type { Options as OllamaOptions } from 'ollama';
import type { ZodType } from 'zod';
import { errors, isTieredError, TieredError } from './errors';
import { describeError, isAbortError, isConnectionFailure, isTransportTimeout } from './httpFailure';
import { LineSplitter } from './lineSplitter';
import { buildMetrics, nsToMs, num } from './metrics';
import { psResponseSchema, showResponseSchema, tagsResponseSchema, toLoadedModels, toModelInfo, versionResponseSchema } from './ollamaParse';
import type { OllamaShow, OllamaTag } from './ollamaParse';
import { RequestGuard } from './requestGuard';
import type {
  BackendKind,
  ChatRequest,
  DoneReason,
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

export interface OllamaBackendOptions {
  /** Endpoint id, `ollama` for the configured Ollama server. */
  readonly id: string;
  readonly baseUrl: string;
  /** Longest wait for the first byte, and then between two chunks of a stream. */
  readonly timeoutMs: number;
  /** Default `keep_alive` for generate/chat when the request has none. */
  readonly keepAlive?: string | number;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

/** How many `/api/show` requests run at once while listing models. */
const showConcurrency = 4;

/** What the NDJSON filter saw in one response body. */
class StreamWatch {
  validLines = 0;
  malformedLines = 0;
  errorText: string | undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toDoneReason(value: unknown): DoneReason {
  return value === 'stop' || value === 'length' || value === 'load' || value === 'unload' ? value : 'unknown';
}

/**
 * Turns a non-JSON error body (`404 page not found`, an HTML page) into `{"error": text}`, so ollama-js
 * reads it without printing "Getting text from response" to the console. The message stays the same.
 */
function jsonErrors(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.ok || (response.headers.get('content-type') ?? '').includes('application/json')) {
      return response;
    }
    const text = (await response.text()).trim().slice(0, 500);
    return new Response(JSON.stringify({ error: text || `HTTP ${response.status}` }), {
      status: response.status,
      statusText: response.statusText,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** A streamed line, as ollama-js hands it over (typed loosely: metrics are often absent at runtime). */
type StreamedLine = object;

export class OllamaBackend implements LlmBackend {
  readonly id: string;
  readonly kind: BackendKind = 'ollama';
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly keepAlive: string | number | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: Logger;
  /** `/api/show` answers by `name@digest`: a digest only changes when the model does. */
  private readonly showCache = new Map<string, OllamaShow>();

  constructor(options: OllamaBackendOptions) {
    this.id = options.id;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.keepAlive = options.keepAlive;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.logger = options.logger ?? nullLogger;
  }

  async serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    const body = await this.request('/api/version', signal, (client) => client.version());
    return { version: this.parse(versionResponseSchema, body, '/api/version').version };
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const body = await this.request('/api/tags', signal, (client) => client.list());
    const tags = this.parse(tagsResponseSchema, body, '/api/tags').models ?? [];
    // `/api/show` per model, a few at a time (a server with dozens of models should not get dozens at once).
    const shows: (OllamaShow | undefined)[] = new Array<OllamaShow | undefined>(tags.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tags.length) {
        const index = next++;
        const tag = tags[index];
        if (tag !== undefined) {
          shows[index] = await this.showFor(tag, signal);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(showConcurrency, tags.length) }, worker));
    return tags.map((tag, index) => toModelInfo(this.id, tag, shows[index]));
  }

  async listLoaded(signal?: AbortSignal): Promise<LoadedModel[]> {
    const body = await this.request('/api/ps', signal, (client) => client.ps());
    return toLoadedModels(this.parse(psResponseSchema, body, '/api/ps'));
  }

  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    const fim = request.suffix !== undefined && request.raw !== true;
    if (request.suffix !== undefined && request.raw === true) {
      // raw mode ignores `suffix` on FIM models and rejects it on others: the caller built the prompt.
      this.logger.debug(`[${this.id}] raw generate: suffix not sent`);
    }
    const body = {
      model: request.model,
      // An empty prefix with a suffix gets the "load" reply, and an empty suffix is not FIM: send "\n".
      prompt: fim && request.prompt === '' ? '\n' : request.prompt,
      ...(fim ? { suffix: request.suffix === '' ? '\n' : request.suffix } : {}),
      ...(request.raw === true ? { raw: true } : {}),
      ...(request.system !== undefined && request.raw !== true ? { system: request.system } : {}),
      ...this.commonBody(request),
      stream: true as const,
    };
    return this.stream('/api/generate', request, (client) => client.generate(body), (line) => str(field(line, 'response')));
  }

  chat(request: ChatRequest): AsyncIterable<GenerationEvent> {
    const body = {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...this.commonBody(request),
      stream: true as const,
    };
    return this.stream('/api/chat', request, (client) => client.chat(body), (line) => str(field(field(line, 'message'), 'content')));
  }

  async *pull(model: string, signal?: AbortSignal): AsyncIterable<PullProgress> {
    const guard = new RequestGuard(this.timeoutMs, signal, this.fetchImpl);
    const watch = new StreamWatch();
    const client = this.client(this.ndjsonFetch(guard, watch, '/api/pull'));
    try {
      const stream = await client.pull({ model, stream: true });
      for await (const line of stream) {
        const total = num(field(line, 'total'));
        const completed = num(field(line, 'completed'));
        const digest = str(field(line, 'digest'));
        yield {
          status: str(field(line, 'status')),
          ...(digest ? { digest } : {}),
          ...(total > 0 ? { totalBytes: total, completedBytes: completed } : {}),
        };
      }
    } catch (error) {
      if (watch.errorText !== undefined && !guard.callerAborted) {
        throw errors.pullFailed(model, watch.errorText, this.baseUrl);
      }
      throw this.mapError(error, { path: '/api/pull', model, guard, watch, partialText: '' });
    } finally {
      guard.dispose();
    }
    this.showCache.clear();
  }

  async deleteModel(model: string, signal?: AbortSignal): Promise<void> {
    await this.request('/api/delete', signal, (client) => client.delete({ model }), model);
    for (const key of [...this.showCache.keys()]) {
      if (key.startsWith(`${model}@`)) {
        this.showCache.delete(key);
      }
    }
  }

  async embed(model: string, inputs: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const response = await this.request('/api/embed', signal, (client) => client.embed({ model, input: [...inputs] }), model);
    if (response.embeddings.length !== inputs.length) {
      throw errors.badResponse(this.baseUrl, `/api/embed returned ${response.embeddings.length} vectors for ${inputs.length} inputs`);
    }
    return response.embeddings;
  }

  /** Ollama has no tokenizer endpoint. */
  countTokens(_model: string, _text: string, _signal?: AbortSignal): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  // ---- internals ----

  private client(fetchImpl: typeof fetch): Ollama {
    return new Ollama({ host: this.baseUrl, fetch: jsonErrors(fetchImpl) });
  }

  /** Options and fields shared by generate and chat. `num_ctx` is sent whenever given, `stop` always as an array. */
  private commonBody(request: GenerationOptions): { options: Partial<OllamaOptions>; keep_alive?: string | number; format?: string | object } {
    const options: Partial<OllamaOptions> = {};
    if (request.numCtx !== undefined) {
      options.num_ctx = Math.floor(request.numCtx);
    }
    if (request.numPredict !== undefined) {
      options.num_predict = Math.floor(request.numPredict);
    }
    if (request.temperature !== undefined) {
      options.temperature = request.temperature;
    }
    if (request.topP !== undefined) {
      options.top_p = request.topP;
    }
    if (request.seed !== undefined) {
      options.seed = Math.floor(request.seed);
    }
    if (request.stop !== undefined && request.stop.length > 0) {
      options.stop = [...request.stop];
    }
    const keepAlive = request.keepAlive ?? this.keepAlive;
    return {
      options,
      ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}),
      ...(request.format !== undefined ? { format: request.format } : {}),
    };
  }

  /** One non-streaming call under a guard, with errors mapped. */
  private async request<T>(path: string, signal: AbortSignal | undefined, call: (client: Ollama) => Promise<T>, model?: string): Promise<T> {
    const guard = new RequestGuard(this.timeoutMs, signal, this.fetchImpl);
    try {
      return await call(this.client(guard.fetch));
    } catch (error) {
      throw this.mapError(error, { path, model, guard, watch: undefined, partialText: '' });
    } finally {
      guard.dispose();
    }
  }

  private parse<T>(schema: ZodType<T>, body: unknown, path: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw errors.badResponse(this.baseUrl, `unexpected JSON from ${path}`);
    }
    return parsed.data;
  }

  /** `/api/show` for one listed model; a failure other than abort/unreachable/timeout only loses the details. */
  private async showFor(tag: OllamaTag, signal: AbortSignal | undefined): Promise<OllamaShow | undefined> {
    const key = tag.digest ? `${tag.name}@${tag.digest}` : undefined;
    const cached = key === undefined ? undefined : this.showCache.get(key);
    if (cached) {
      return cached;
    }
    try {
      const body = await this.request('/api/show', signal, (client) => client.show({ model: tag.name }), tag.name);
      const show = this.parse(showResponseSchema, body, '/api/show');
      if (key !== undefined) {
        this.showCache.set(key, show);
      }
      return show;
    } catch (error) {
      if (isTieredError(error) && (error.kind === 'aborted' || error.kind === 'unreachable' || error.kind === 'timeout')) {
        throw error;
      }
      this.logger.warn(`[${this.id}] /api/show ${tag.name} failed: ${describeError(error)}`);
      return undefined;
    }
  }

  /** A fetch whose NDJSON body is checked line by line before ollama-js parses it. */
  private ndjsonFetch(guard: RequestGuard, watch: StreamWatch, path: string): typeof fetch {
    return async (input, init) => {
      const response = await guard.fetch(input, init);
      if (!response.ok || response.body === null) {
        return response;
      }
      const splitter = new LineSplitter();
      const encoder = new TextEncoder();
      const check = (lines: string[], controller: TransformStreamDefaultController<Uint8Array>): void => {
        for (const line of lines) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            parsed = undefined;
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            watch.malformedLines++;
            this.logger.warn(`[${this.id}] ${path}: skipped a malformed stream line: ${line.slice(0, 200)}`);
            continue;
          }
          const errorText = field(parsed, 'error');
          if (errorText !== undefined) {
            watch.errorText = typeof errorText === 'string' ? errorText : JSON.stringify(errorText);
          } else {
            watch.validLines++;
          }
          controller.enqueue(encoder.encode(`${line}\n`));
        }
      };
      const filter = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => check(splitter.push(chunk), controller),
        flush: (controller) => check(splitter.end(), controller),
      });
      return new Response(response.body.pipeThrough(filter), { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  }

  /** Runs one streaming generate/chat call and turns its lines into {@link GenerationEvent}s. */
  private async *stream(
    path: string,
    request: GenerationOptions,
    start: (client: Ollama) => Promise<AsyncIterable<StreamedLine>>,
    pieceOf: (line: StreamedLine) => string,
  ): AsyncGenerator<GenerationEvent> {
    const guard = new RequestGuard(this.timeoutMs, request.signal, this.fetchImpl);
    const watch = new StreamWatch();
    const startedAt = performance.now();
    let firstTokenAt: number | undefined;
    let text = '';
    let pieces = 0;
    try {
      const lines = await start(this.client(this.ndjsonFetch(guard, watch, path)));
      for await (const line of lines) {
        const piece = pieceOf(line);
        if (piece !== '') {
          firstTokenAt ??= performance.now();
          text += piece;
          pieces++;
          yield { type: 'token', text: piece };
        }
        if (field(line, 'done') === true) {
          const endedAt = performance.now();
          const metrics = buildMetrics(
            {
              promptTokens: num(field(line, 'prompt_eval_count')),
              cachedPromptTokens: 0,
              generatedTokens: num(field(line, 'eval_count')),
              generationMs: nsToMs(field(line, 'eval_duration')),
              loadMs: nsToMs(field(line, 'load_duration')),
              promptEvalMs: nsToMs(field(line, 'prompt_eval_duration')),
            },
            { startedAt, firstTokenAt, endedAt, pieces },
          );
          this.logger.debug(
            `[${this.id}] ${path} ${request.model}: ${metrics.generatedTokens} tokens, prompt ${metrics.promptTokens}, first token ${Math.round(metrics.timeToFirstTokenMs)} ms, total ${Math.round(metrics.totalMs)} ms`,
          );
          yield { type: 'done', result: { text, doneReason: toDoneReason(field(line, 'done_reason')), metrics } };
          return;
        }
      }
      throw new Error('Did not receive done or success response in stream.');
    } catch (error) {
      const mapped = this.mapError(error, { path, model: request.model, guard, watch, partialText: text });
      if (mapped.kind !== 'aborted') {
        this.logger.warn(`[${this.id}] ${path} ${request.model}: ${mapped.kind}: ${mapped.message}`);
      }
      throw mapped;
    } finally {
      // Closes the HTTP stream when the consumer stopped early; a no-op after a complete answer.
      guard.dispose();
    }
  }

  /** Maps anything thrown during a call onto the {@link TieredError} taxonomy. */
  private mapError(
    error: unknown,
    context: { path: string; model: string | undefined; guard: RequestGuard; watch: StreamWatch | undefined; partialText: string },
  ): TieredError {
    const { path, model, guard, watch, partialText } = context;
    if (guard.callerAborted) {
      return errors.aborted(partialText);
    }
    if (guard.timedOut) {
      return errors.timeout(this.baseUrl, guard.timeoutMs, partialText);
    }
    if (error instanceof TieredError) {
      return error;
    }
    if (isTransportTimeout(error)) {
      return errors.timeout(this.baseUrl, guard.timeoutMs, partialText);
    }
    if (field(error, 'name') === 'ResponseError' && typeof field(error, 'status_code') === 'number') {
      return this.fromStatus(num(field(error, 'status_code')), str(field(error, 'error')) || str(field(error, 'message')), path, model);
    }
    if (watch?.errorText !== undefined) {
      return this.fromStreamText(watch.errorText, partialText, model);
    }
    if (!guard.responded && isConnectionFailure(error)) {
      return errors.unreachable(this.baseUrl, error);
    }
    if (isAbortError(error)) {
      return errors.aborted(partialText);
    }
    if (watch !== undefined && guard.responded) {
      if (watch.validLines === 0 && watch.malformedLines > 0) {
        return errors.badResponse(this.baseUrl, `${path} streamed ${watch.malformedLines} line(s) that are not JSON`);
      }
      if (watch.validLines === 0 && guard.bytesReceived === 0 && !(error instanceof TypeError)) {
        return errors.badResponse(this.baseUrl, `${path} answered with an empty body`);
      }
      const reason = error instanceof TypeError ? `connection closed: ${describeError(error)}` : 'the stream ended without its final line';
      return errors.midStream(reason, partialText);
    }
    if (error instanceof SyntaxError) {
      return errors.badResponse(this.baseUrl, `${path} did not answer JSON`);
    }
    if (guard.responded && error instanceof TypeError) {
      return errors.midStream(`connection closed: ${describeError(error)}`, partialText);
    }
    return new TieredError('server', `The model server at ${this.baseUrl} failed: ${describeError(error)}`, { url: this.baseUrl, serverText: describeError(error) }, { kind: 'retry' }, { cause: error });
  }

  /** An HTTP error status with the server's text. */
  private fromStatus(status: number, text: string, path: string, model: string | undefined): TieredError {
    const name = model ?? '';
    if (/does not support insert/i.test(text)) {
      return errors.fimUnsupported(name, text);
    }
    if (/longer than the context length|exceeds the context length/i.test(text)) {
      return errors.contextOverflow(name, undefined, undefined, text);
    }
    if (status === 404) {
      if (/^model .* not found|not found, try pulling/i.test(text)) {
        return errors.modelNotFound(name, this.baseUrl, text);
      }
      return errors.badResponse(this.baseUrl, `404 on ${path}: ${text.slice(0, 120)}`);
    }
    if (status === 405 && /method not allowed/i.test(text)) {
      return errors.badResponse(this.baseUrl, `405 on ${path}`);
    }
    return errors.server(status, text || `HTTP ${status}`, this.baseUrl);
  }

  /** An `{"error"}` line inside a 200 stream. */
  private fromStreamText(text: string, partialText: string, model: string | undefined): TieredError {
    if (/does not support insert/i.test(text)) {
      return errors.fimUnsupported(model ?? '', text);
    }
    if (/longer than the context length|exceeds the context length/i.test(text)) {
      return errors.contextOverflow(model ?? '', undefined, undefined, text);
    }
    return errors.midStream(text, partialText);
  }
}
