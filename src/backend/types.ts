/**
 * The one interface every feature uses to talk to a model server, whatever its kind.
 * Adapters: `ollamaBackend.ts` (native Ollama API through the `ollama` package) and
 * `openAiBackend.ts` (OpenAI-compatible servers, with llama-server's `/infill`).
 * Pure: no `vscode` import.
 */

/** Which wire protocol an endpoint speaks (`engine`: Tiered's built-in engine process, src/engine/). */
export type BackendKind = 'ollama' | 'openai' | 'engine';

/** What a model can do, as far as the server tells. */
export interface ModelCapabilities {
  /** Text generation (false for embedding-only models). */
  readonly completion: boolean;
  /** Native fill-in-the-middle: Ollama's `insert` capability, or llama-server's `/infill`. `undefined` when unknown until tried. */
  readonly insert: boolean | undefined;
  readonly tools: boolean;
  readonly thinking: boolean;
  readonly vision: boolean;
  readonly embedding: boolean;
}

/** An installed model with the details the router and the context engine need. */
export interface ModelInfo {
  /** Name as the server lists it, e.g. `qwen2.5-coder:7b`. */
  readonly name: string;
  /** Id of the endpoint that serves it (see {@link LlmBackend.id}). */
  readonly endpointId: string;
  /** Architecture family, e.g. `qwen2`, `llama`. Empty when unknown. */
  readonly family: string;
  readonly families: readonly string[];
  /** As reported, e.g. `7.6B`. Empty when unknown. */
  readonly parameterSize: string;
  /** Parameter count in billions parsed from {@link parameterSize} (or the server's count); undefined when unknown. */
  readonly parameterBillions: number | undefined;
  /** e.g. `Q4_K_M`. Empty when unknown. */
  readonly quantization: string;
  /** Size on disk in bytes (0 when unknown). */
  readonly sizeBytes: number;
  /** Trained context length in tokens, from `/api/show` model_info or `/v1/models` meta; undefined when unknown. */
  readonly contextLength: number | undefined;
  /** Mixture-of-experts details when the model has them (e.g. `<arch>.expert_count`). */
  readonly expertCount: number | undefined;
  readonly capabilities: ModelCapabilities;
  /** The model's prompt template when the server exposes it (used to detect FIM on old Ollama servers). */
  readonly template: string | undefined;
}

/** A model currently loaded in the server's memory (`/api/ps`). */
export interface LoadedModel {
  readonly name: string;
  readonly sizeBytes: number;
  readonly sizeVramBytes: number;
  /** The `num_ctx` the model is loaded with: the effective context. */
  readonly contextLength: number | undefined;
  /** ISO timestamp, or undefined when the server does not say. */
  readonly expiresAt: string | undefined;
}

/** Per-request figures. Every missing metric counts as zero. */
export interface RequestMetrics {
  /** Prompt tokens the server evaluated, including those reused from its cache. */
  readonly promptTokens: number;
  /** Prompt tokens served from the server's KV cache (llama-server `cache_n`); 0 when unknown. */
  readonly cachedPromptTokens: number;
  readonly generatedTokens: number;
  /** From sending the request to the first token arriving, measured by the client. */
  readonly timeToFirstTokenMs: number;
  /** Generation speed as reported by the server, else measured by the client. */
  readonly tokensPerSecond: number;
  /** Model load time reported by the server. */
  readonly loadMs: number;
  /** Prompt evaluation time reported by the server. */
  readonly promptEvalMs: number;
  /** From sending the request to the end of the stream, measured by the client. */
  readonly totalMs: number;
}

/** Why generation stopped. */
export type DoneReason = 'stop' | 'length' | 'load' | 'unload' | 'unknown';

/** A JSON schema, passed through to the server for structured output. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Options common to generate and chat requests. */
export interface GenerationOptions {
  readonly model: string;
  /** Context window to request (Ollama `num_ctx`). Always send one: see the context engine. */
  readonly numCtx?: number;
  /** Upper bound on generated tokens. */
  readonly numPredict?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly seed?: number;
  /** Stop sequences; always sent as an array. */
  readonly stop?: readonly string[];
  /** Ollama `keep_alive`: seconds as a number, or a Go duration string such as `"30m"`. */
  readonly keepAlive?: string | number;
  /** Structured output: a JSON schema the answer must follow, or `'json'` for any JSON object. */
  readonly format?: JsonSchema | 'json';
  /** Aborting closes the HTTP stream, so the server stops generating. */
  readonly signal?: AbortSignal;
}

/** A file offered to a fill-in-the-middle request as extra context (llama-server `input_extra`). */
export interface ExtraFile {
  readonly filename: string;
  readonly text: string;
}

/** A plain or fill-in-the-middle completion request. */
export interface GenerateRequest extends GenerationOptions {
  readonly prompt: string;
  /** Text after the cursor: makes this a native fill-in-the-middle request. */
  readonly suffix?: string;
  /** Send the prompt verbatim, with no template (for hand-built FIM prompts). */
  readonly raw?: boolean;
  readonly system?: string;
  /** Extra files for fill-in-the-middle (used by llama-server's `/infill`; ignored elsewhere). */
  readonly extraFiles?: readonly ExtraFile[];
  /**
   * Pin the request to this server slot (llama-server `id_slot` on `/infill`, with `cache_prompt`), so that
   * consecutive completions, and the work of an aborted one, reuse the slot's cached prompt; ignored elsewhere.
   */
  readonly slot?: number;
}

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

export interface ChatRequest extends GenerationOptions {
  readonly messages: readonly ChatMessage[];
}

/** The outcome of a finished generation. */
export interface GenerationResult {
  readonly text: string;
  readonly doneReason: DoneReason;
  readonly metrics: RequestMetrics;
}

/** One event of a generation stream: text as it arrives, then exactly one `done`. */
export type GenerationEvent =
  | { readonly type: 'token'; readonly text: string }
  | { readonly type: 'done'; readonly result: GenerationResult };

/** One progress line of a model pull. */
export interface PullProgress {
  readonly status: string;
  /** Layer digest, when the line is about one layer. */
  readonly digest?: string;
  readonly totalBytes?: number;
  readonly completedBytes?: number;
}

/** What a server says about itself. */
export interface ServerInfo {
  readonly version: string | undefined;
}

/**
 * A model server. Every method rejects with a {@link TieredError} (see `errors.ts`), never a raw error.
 * Streams are async iterables: breaking out of the loop, or aborting the request's signal, closes the HTTP stream.
 */
export interface LlmBackend {
  /** Stable id of this endpoint, e.g. `ollama` or the name the user gave it. */
  readonly id: string;
  readonly kind: BackendKind;
  readonly baseUrl: string;
  serverInfo(signal?: AbortSignal): Promise<ServerInfo>;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  listLoaded(signal?: AbortSignal): Promise<LoadedModel[]>;
  generate(request: GenerateRequest): AsyncIterable<GenerationEvent>;
  chat(request: ChatRequest): AsyncIterable<GenerationEvent>;
  pull(model: string, signal?: AbortSignal): AsyncIterable<PullProgress>;
  deleteModel(model: string, signal?: AbortSignal): Promise<void>;
  /** Exact token count from the server's tokenizer when it has one (llama-server `/tokenize`); undefined otherwise. */
  countTokens(model: string, text: string, signal?: AbortSignal): Promise<number | undefined>;
  /** One embedding vector per input, in order (Ollama `/api/embed`, OpenAI-compatible `/v1/embeddings`). */
  embed(model: string, inputs: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}
