/**
 * The engine's state inside its own process: one model loaded at a time, one context sequence reused across
 * consecutive requests (node-llama-cpp keeps the KV cache of the common prompt prefix), a context sized to hold
 * prompt + answer (see contextPlan.ts), generation that stops at once on abort. Runs only in the engine process.
 */
import { existsSync, statSync } from 'node:fs';
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
  Token,
} from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type * as NodeLlamaCppModule from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { commonPrefixLength, planContext } from '../contextPlan';
import type { EngineGenerationResult, EngineModelFacts, EngineRequest, EngineResult, LoadedEngineModel } from '../protocol';
import { EngineFailure } from './engineFailure';

/** The node-llama-cpp module, imported dynamically by engineMain.ts (it is ESM and may be absent from a build). */
export type NodeLlamaCpp = typeof NodeLlamaCppModule;
type ChatRequest = Extract<EngineRequest, { op: 'chat' }>;
type CompleteRequest = Extract<EngineRequest, { op: 'complete' }>;

interface Resident {
  readonly path: string;
  readonly model: LlamaModel;
  context: LlamaContext | undefined;
  sequence: LlamaContextSequence | undefined;
  embedding: { context: LlamaEmbeddingContext; size: number } | undefined;
  /** Resolved once per model: resolving parses the GGUF's chat template (measured ~250 ms per chat request here). */
  chatWrapper: ChatWrapper | undefined;
}

/** Special-token count around a fill-in-the-middle prompt (BOS, prefix, suffix, middle markers). */
const FIM_OVERHEAD_TOKENS = 4;

export class EngineRuntime {
  private resident: Resident | undefined;
  private deviceNames: Promise<string[]> | undefined;

  /** CPU threads per context. Oversubscribed cores make llama.cpp's spinning threads crawl (measured here on 2 busy
   * cores: 20 tokens in 31 ms with 1 thread, 3.5 s with 2), so one core is left to the editor by default. */
  private readonly threads: number;

  constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly llama: Llama,
    threads: number | undefined,
  ) {
    this.threads = threads ?? Math.max(1, llama.cpuMathCores - 1);
  }

  /** Which accelerator the engine uses: `cpu`, `cuda`, `vulkan` or `metal`. */
  get gpu(): string {
    return this.llama.gpu === false ? 'cpu' : this.llama.gpu;
  }

  async run(request: EngineRequest, signal: AbortSignal, onToken: (text: string) => void): Promise<EngineResult> {
    switch (request.op) {
      case 'load': {
        const loadMs = await this.ensureModel(request.modelPath);
        return { kind: 'loaded', model: this.describe(this.resident), loadMs };
      }
      case 'inspect':
        return { kind: 'facts', model: await this.inspect(request.modelPath) };
      case 'chat':
        return this.chat(request, signal, onToken);
      case 'complete':
        return this.complete(request, signal, onToken);
      case 'tokenize': {
        await this.ensureModel(request.modelPath);
        return { kind: 'tokens', count: this.model().tokenize(request.text, false).length };
      }
      case 'embed':
        return { kind: 'embeddings', vectors: await this.embed(request.modelPath, request.inputs, signal) };
      case 'unload':
        await this.unload();
        return { kind: 'unloaded' };
      case 'status':
        return { kind: 'status', gpu: this.gpu, gpuDevices: await this.gpuDevices(), ...(this.resident !== undefined ? { model: this.describe(this.resident) } : {}) };
    }
  }

  /** The GPU devices llama.cpp can use (none on the CPU binary); read once, they do not change while running. */
  private async gpuDevices(): Promise<string[]> {
    if (this.llama.gpu === false) {
      return [];
    }
    this.deviceNames ??= this.llama.getGpuDeviceNames().catch(() => []);
    return this.deviceNames;
  }

  async unload(): Promise<void> {
    const r = this.resident;
    this.resident = undefined;
    if (r !== undefined) {
      await r.embedding?.context.dispose();
      await r.context?.dispose();
      await r.model.dispose();
    }
  }

  private model(): LlamaModel {
    if (this.resident === undefined) {
      throw new EngineFailure('internal', 'No model is loaded.');
    }
    return this.resident.model;
  }

  /** Loads `path` unless it is already resident (one model at a time: the previous one is unloaded first). */
  private async ensureModel(path: string): Promise<number> {
    if (this.resident?.path === path) {
      return 0;
    }
    if (!existsSync(path)) {
      throw new EngineFailure('modelNotFound', `The model file ${path} does not exist.`);
    }
    await this.unload();
    const started = Date.now();
    let model: LlamaModel;
    try {
      model = await this.llama.loadModel({ modelPath: path });
    } catch (e) {
      throw new EngineFailure('badModel', `The model file ${path} could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.resident = { path, model, context: undefined, sequence: undefined, embedding: undefined, chatWrapper: undefined };
    return Date.now() - started;
  }

  private async inspect(path: string): Promise<EngineModelFacts> {
    if (!existsSync(path)) {
      throw new EngineFailure('modelNotFound', `The model file ${path} does not exist.`);
    }
    let info: Awaited<ReturnType<NodeLlamaCpp['readGgufFileInfo']>>;
    try {
      info = await this.lib.readGgufFileInfo(path, { readTensorInfo: false, sourceType: 'filesystem', logWarnings: false });
    } catch (e) {
      throw new EngineFailure('badModel', `${path} is not a readable GGUF model: ${e instanceof Error ? e.message : String(e)}`);
    }
    const arch = info.metadata.general.architecture;
    const ggml = info.metadata.tokenizer.ggml;
    const contextLength = info.architectureMetadata.context_length;
    return {
      path,
      family: typeof arch === 'string' ? arch : '',
      trainContextSize: typeof contextLength === 'number' && contextLength > 0 ? contextLength : 2048,
      sizeBytes: statSync(path).size,
      infill: (ggml.fim_pre_token_id ?? ggml.prefix_token_id) !== undefined && (ggml.fim_suf_token_id ?? ggml.suffix_token_id) !== undefined,
    };
  }

  private describe(r: Resident | undefined): LoadedEngineModel {
    if (r === undefined) {
      throw new EngineFailure('internal', 'No model is loaded.');
    }
    const arch = r.model.fileInfo.metadata.general.architecture;
    return {
      path: r.path,
      family: typeof arch === 'string' ? arch : '',
      trainContextSize: r.model.trainContextSize,
      sizeBytes: statSync(r.path).size,
      infill: r.model.tokens.infill.prefix !== null && r.model.tokens.infill.suffix !== null,
      contextSize: r.context?.contextSize ?? 0,
    };
  }

  /** A sequence whose context holds `promptTokens` + the answer; the existing one (and its KV cache) when large enough. */
  private async sequenceFor(promptTokens: number, maxTokens: number | undefined, numCtx: number | undefined): Promise<{ sequence: LlamaContextSequence; maxTokens: number }> {
    const r = this.resident;
    if (r === undefined) {
      throw new EngineFailure('internal', 'No model is loaded.');
    }
    const plan = planContext({ promptTokens, maxTokens, numCtx, trainContextSize: r.model.trainContextSize, currentContextSize: r.context?.contextSize ?? 0 });
    if (!plan.ok) {
      throw new EngineFailure('contextOverflow', `The prompt is too long for this model: ${plan.reason}.`, { promptTokens: plan.promptTokens, contextTokens: plan.contextTokens });
    }
    if (!plan.reuse || r.sequence === undefined) {
      await r.context?.dispose();
      r.context = undefined;
      r.sequence = undefined;
      r.context = await r.model.createContext({ contextSize: plan.contextSize, sequences: 1, threads: this.threads });
      r.sequence = r.context.getSequence();
    }
    return { sequence: r.sequence, maxTokens: plan.maxTokens };
  }

  private async chat(request: ChatRequest, signal: AbortSignal, onToken: (text: string) => void): Promise<EngineGenerationResult> {
    const started = performance.now();
    const loadMs = await this.ensureModel(request.modelPath);
    const model = this.model();
    const history: ChatHistoryItem[] = request.messages.map((m): ChatHistoryItem =>
      m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
    );
    if (history[history.length - 1]?.type !== 'model') {
      history.push({ type: 'model', response: [] });
    }
    // Count the prompt exactly as it will be evaluated: the model's own chat template, the model's tokenizer.
    const resident = this.resident;
    if (resident === undefined) {
      throw new EngineFailure('internal', 'No model is loaded.');
    }
    resident.chatWrapper ??= this.lib.resolveChatWrapper(model);
    const chatWrapper = resident.chatWrapper;
    const promptTokens = chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer).length;
    const { sequence, maxTokens } = await this.sequenceFor(promptTokens, request.maxTokens, request.numCtx);
    const chat = new this.lib.LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
    return this.generate(started, loadMs, promptTokens, sequence, onToken, async (hooks) => {
      try {
        const r = await chat.generateResponse(history, {
          maxTokens,
          ...sampling(request),
          signal,
          stopOnAbortSignal: true,
          onTextChunk: hooks.onText,
          onToken: hooks.onTokens,
        });
        return { text: r.response, stop: r.metadata.stopReason };
      } finally {
        chat.dispose();
      }
    });
  }

  private async complete(request: CompleteRequest, signal: AbortSignal, onToken: (text: string) => void): Promise<EngineGenerationResult> {
    const started = performance.now();
    const loadMs = await this.ensureModel(request.modelPath);
    const model = this.model();
    const infill = request.suffix !== undefined;
    if (infill && (model.tokens.infill.prefix === null || model.tokens.infill.suffix === null)) {
      throw new EngineFailure('fimUnsupported', 'This model has no fill-in-the-middle tokens.');
    }
    const promptTokens = infill ? model.tokenize(request.prompt, false).length + model.tokenize(request.suffix ?? '', false).length + FIM_OVERHEAD_TOKENS : model.tokenize(request.prompt, false).length + 1;
    const { sequence, maxTokens } = await this.sequenceFor(promptTokens, request.maxTokens, request.numCtx);
    const completion = new this.lib.LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
    return this.generate(started, loadMs, promptTokens, sequence, onToken, async (hooks) => {
      try {
        const options = { maxTokens, ...sampling(request), signal, stopOnAbortSignal: true, onTextChunk: hooks.onText, onToken: hooks.onTokens };
        const r = infill ? await completion.generateInfillCompletionWithMeta(request.prompt, request.suffix ?? '', options) : await completion.generateCompletionWithMeta(request.prompt, options);
        return { text: r.response, stop: r.metadata.stopReason };
      } finally {
        completion.dispose();
      }
    });
  }

  /** Runs one generation and gathers its figures. Times are `performance.now()` (sub-millisecond): a 16-token
   * completion of a small model takes ~10 ms, where whole milliseconds would put ±10 % on its tokens/s. */
  private async generate(
    started: number,
    loadMs: number,
    promptTokens: number,
    sequence: LlamaContextSequence,
    onToken: (text: string) => void,
    body: (hooks: { onText: (text: string) => void; onTokens: (tokens: Token[]) => void }) => Promise<{ text: string; stop: string }>,
  ): Promise<EngineGenerationResult> {
    const before = [...sequence.contextTokens];
    let firstTokenAt = 0;
    let generatedTokens = 0;
    const partial: string[] = [];
    let outcome: { text: string; stop: string };
    try {
      outcome = await body({
        onText: (text) => {
          if (firstTokenAt === 0) {
            firstTokenAt = performance.now();
          }
          partial.push(text);
          onToken(text);
        },
        onTokens: (tokens) => {
          generatedTokens += tokens.length;
        },
      });
    } catch (e) {
      // An abort while the prompt is still being read rejects instead of returning.
      if (e instanceof Error && e.name === 'AbortError') {
        throw new EngineFailure('aborted', 'The request was cancelled.', { partialText: partial.join('') });
      }
      throw e;
    }
    if (outcome.stop === 'abort') {
      throw new EngineFailure('aborted', 'The request was cancelled.', { partialText: outcome.text });
    }
    const cachedPromptTokens = Math.min(commonPrefixLength(before, sequence.contextTokens), promptTokens);
    const now = performance.now();
    return {
      kind: 'generation',
      text: outcome.text,
      doneReason: outcome.stop === 'maxTokens' ? 'length' : 'stop',
      promptTokens,
      cachedPromptTokens,
      generatedTokens,
      timeToFirstTokenMs: firstTokenAt === 0 ? now - started : firstTokenAt - started,
      totalMs: now - started,
      loadMs,
      contextSize: sequence.context.contextSize,
    };
  }

  private async embed(path: string, inputs: readonly string[], signal: AbortSignal): Promise<number[][]> {
    await this.ensureModel(path);
    const r = this.resident;
    if (r === undefined) {
      throw new EngineFailure('internal', 'No model is loaded.');
    }
    const longest = Math.max(...inputs.map((t) => r.model.tokenize(t, false).length)) + 2;
    if (longest > r.model.trainContextSize) {
      throw new EngineFailure('contextOverflow', `An input of ${longest} tokens is longer than the model's context of ${r.model.trainContextSize} tokens.`, {
        promptTokens: longest,
        contextTokens: r.model.trainContextSize,
      });
    }
    if (r.embedding === undefined || r.embedding.size < longest) {
      await r.embedding?.context.dispose();
      r.embedding = undefined;
      const size = Math.min(Math.ceil(longest / 512) * 512, r.model.trainContextSize);
      try {
        r.embedding = { context: await r.model.createEmbeddingContext({ contextSize: size, threads: this.threads }), size };
      } catch (e) {
        throw new EngineFailure('embeddingUnsupported', `This model cannot make embeddings: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const vectors: number[][] = [];
    for (const input of inputs) {
      if (signal.aborted) {
        throw new EngineFailure('aborted', 'The request was cancelled.');
      }
      vectors.push([...(await r.embedding.context.getEmbeddingFor(input)).vector]);
    }
    return vectors;
  }
}

function sampling(request: ChatRequest | CompleteRequest): { temperature?: number; topP?: number; seed?: number; customStopTriggers?: string[] } {
  return {
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop !== undefined ? { customStopTriggers: request.stop } : {}),
  };
}
