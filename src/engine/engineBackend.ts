/**
 * Tiered's built-in engine behind the same {@link LlmBackend} interface as Ollama and OpenAI-compatible servers:
 * requests go over the typed protocol to the engine process (see engineProcess.ts), which runs node-llama-cpp.
 * Models are GGUF files on disk, named by the caller. Pure: no `vscode`.
 */
import { TieredError } from '../backend/errors';
import type {
  ChatMessage,
  ChatRequest,
  GenerateRequest,
  GenerationEvent,
  GenerationOptions,
  LlmBackend,
  LoadedModel,
  ModelInfo,
  PullProgress,
  RequestMetrics,
  ServerInfo,
} from '../backend/types';
import { ENGINE_URL, engineErrors } from './engineErrors';
import type { EngineProcess } from './engineProcess';
import type { EngineGenerationResult, EngineRequest, EngineResult } from './protocol';

/** A model file the engine can serve, under the name the router and the settings use. */
export interface EngineModelFile {
  readonly name: string;
  /** Absolute path of the GGUF file. */
  readonly path: string;
  /** Parameter count in billions, when the catalogue knows it (the router sizes tiers with it). */
  readonly parameterBillions?: number;
}

export interface EngineBackendOptions {
  readonly process: EngineProcess;
  /** The model files available now (downloaded, or picked by the user). */
  readonly models: () => readonly EngineModelFile[];
  readonly id?: string;
}

export class EngineBackend implements LlmBackend {
  readonly id: string;
  readonly kind = 'engine' as const;
  readonly baseUrl = ENGINE_URL;

  constructor(private readonly options: EngineBackendOptions) {
    this.id = options.id ?? 'engine';
  }

  async serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    const status = await this.call({ op: 'status' }, '', signal);
    return { version: status.kind === 'status' ? `node-llama-cpp; ${describeGpu(status.gpu, status.gpuDevices ?? [])}` : undefined };
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const out: ModelInfo[] = [];
    for (const file of this.options.models()) {
      const r = await this.call({ op: 'inspect', modelPath: file.path }, file.name, signal);
      if (r.kind !== 'facts') {
        continue;
      }
      out.push({
        name: file.name,
        endpointId: this.id,
        family: r.model.family,
        families: r.model.family === '' ? [] : [r.model.family],
        parameterSize: file.parameterBillions === undefined ? '' : `${file.parameterBillions}B`,
        parameterBillions: file.parameterBillions,
        quantization: '',
        sizeBytes: r.model.sizeBytes,
        contextLength: r.model.trainContextSize,
        expertCount: undefined,
        capabilities: { completion: true, insert: r.model.infill, tools: false, thinking: false, vision: false, embedding: true },
        template: undefined,
      });
    }
    return out;
  }

  async listLoaded(signal?: AbortSignal): Promise<LoadedModel[]> {
    const r = await this.call({ op: 'status' }, '', signal);
    if (r.kind !== 'status' || r.model === undefined) {
      return [];
    }
    const path = r.model.path;
    const name = this.options.models().find((m) => m.path === path)?.name ?? path;
    return [{ name, sizeBytes: r.model.sizeBytes, sizeVramBytes: 0, contextLength: r.model.contextSize || undefined, expiresAt: undefined }];
  }

  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    if (request.suffix !== undefined || request.raw === true) {
      return this.stream(request, { op: 'complete', ...this.sampling(request), prompt: request.prompt, ...(request.suffix !== undefined ? { suffix: request.suffix } : {}) });
    }
    const messages: ChatMessage[] = [...(request.system !== undefined ? [{ role: 'system' as const, content: request.system }] : []), { role: 'user', content: request.prompt }];
    return this.chat({ ...request, messages });
  }

  chat(request: ChatRequest): AsyncIterable<GenerationEvent> {
    return this.stream(request, { op: 'chat', ...this.sampling(request), messages: request.messages.map((m) => ({ role: m.role, content: m.content })) });
  }

  // eslint-disable-next-line require-yield -- the engine has no registry to pull from; models are downloaded files
  async *pull(model: string): AsyncIterable<PullProgress> {
    throw new TieredError('server', `The built-in engine does not pull "${model}" by name; download a model from the catalogue or pick a GGUF file.`, { model, url: ENGINE_URL });
  }

  async deleteModel(model: string): Promise<void> {
    throw new TieredError('server', `The built-in engine does not delete "${model}"; remove the GGUF file instead.`, { model, url: ENGINE_URL });
  }

  async countTokens(model: string, text: string, signal?: AbortSignal): Promise<number | undefined> {
    const r = await this.call({ op: 'tokenize', modelPath: this.pathOf(model), text }, model, signal);
    return r.kind === 'tokens' ? r.count : undefined;
  }

  async embed(model: string, inputs: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    if (inputs.length === 0) {
      return [];
    }
    const r = await this.call({ op: 'embed', modelPath: this.pathOf(model), inputs: [...inputs] }, model, signal);
    return r.kind === 'embeddings' ? r.vectors : [];
  }

  private pathOf(model: string): string {
    const file = this.options.models().find((m) => m.name === model);
    if (file === undefined) {
      throw new TieredError('modelNotFound', `The model "${model}" is not available to the built-in engine. Download it, or pick a GGUF file.`, { model, url: ENGINE_URL }, { kind: 'pullModel', model });
    }
    return file.path;
  }

  private sampling(request: GenerationOptions): { modelPath: string; numCtx?: number; maxTokens?: number; temperature?: number; topP?: number; seed?: number; stop?: string[] } {
    return {
      modelPath: this.pathOf(request.model),
      ...(request.numCtx !== undefined ? { numCtx: request.numCtx } : {}),
      ...(request.numPredict !== undefined && request.numPredict > 0 ? { maxTokens: request.numPredict } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { topP: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop !== undefined && request.stop.length > 0 ? { stop: [...request.stop] } : {}),
    };
  }

  private async call(request: EngineRequest, model: string, signal: AbortSignal | undefined): Promise<EngineResult> {
    return this.options.process.call({ request, model, ...(signal !== undefined ? { signal } : {}) });
  }

  /** Streams one generation: tokens as the engine sends them, then `done`. Leaving the loop early aborts it. */
  private async *stream(options: GenerationOptions, request: EngineRequest): AsyncIterable<GenerationEvent> {
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (options.signal?.aborted === true) {
      controller.abort();
    }
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let outcome: { ok: true; result: EngineResult } | { ok: false; error: unknown } | undefined;
    const startedAt = Date.now();
    void this.options.process
      .call({
        request,
        model: options.model,
        signal: controller.signal,
        onToken: (text) => {
          queue.push(text);
          wake?.();
        },
      })
      .then(
        (result) => {
          outcome = { ok: true, result };
        },
        (error: unknown) => {
          outcome = { ok: false, error };
        },
      )
      .finally(() => wake?.());
    try {
      for (;;) {
        // Once cancelled, text still buffered is not handed out: the caller asked for no more.
        const text = controller.signal.aborted ? undefined : queue.shift();
        if (text !== undefined) {
          yield { type: 'token', text };
          continue;
        }
        if (outcome !== undefined) {
          break;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (!outcome.ok) {
        throw outcome.error instanceof TieredError ? outcome.error : engineErrors.fromEngine({ code: 'internal', message: String(outcome.error) }, options.model);
      }
      if (outcome.result.kind !== 'generation') {
        throw engineErrors.fromEngine({ code: 'internal', message: `unexpected answer ${outcome.result.kind}` }, options.model);
      }
      yield { type: 'done', result: toResult(outcome.result, startedAt) };
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
      if (outcome === undefined) {
        controller.abort();
      }
    }
  }
}

/** Which GPU the engine uses, as Check Connection says it: `GPU: none, runs on the CPU` or `GPU: cuda (NVIDIA …)`. */
export function describeGpu(gpu: string, devices: readonly string[]): string {
  if (gpu === 'cpu' || gpu === '') {
    return 'GPU: none usable, runs on the CPU';
  }
  return `GPU: ${gpu}${devices.length > 0 ? ` (${devices.join(', ')})` : ''}`;
}

function toResult(r: EngineGenerationResult, startedAt: number): { text: string; doneReason: 'stop' | 'length'; metrics: RequestMetrics } {
  const totalMs = Date.now() - startedAt;
  const genMs = Math.max(0, r.totalMs - r.timeToFirstTokenMs);
  return {
    text: r.text,
    doneReason: r.doneReason === 'length' ? 'length' : 'stop',
    metrics: {
      promptTokens: r.promptTokens,
      cachedPromptTokens: r.cachedPromptTokens,
      generatedTokens: r.generatedTokens,
      timeToFirstTokenMs: r.timeToFirstTokenMs,
      tokensPerSecond: r.generatedTokens > 1 && genMs > 0 ? ((r.generatedTokens - 1) / genMs) * 1000 : 0,
      loadMs: r.loadMs,
      promptEvalMs: Math.max(0, r.timeToFirstTokenMs - r.loadMs),
      totalMs,
    },
  };
}
