/**
 * The typed protocol between the extension host and the built-in engine process (`dist/engineHost.js`,
 * started with `child_process.fork`). Every message crossing the process boundary is validated with zod on
 * the receiving side: a malformed message is reported, never trusted. Pure: no `vscode`, no node-llama-cpp.
 */
import { z } from 'zod';

const id = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();

/** Sampling and sizing options shared by every generation request. */
const generationOptions = {
  /** Absolute path of the GGUF file; the engine loads it first if another model (or none) is loaded. */
  modelPath: z.string().min(1),
  /** Context size to use (like Ollama's `num_ctx`); when absent the engine sizes it to prompt + answer. */
  numCtx: positiveInt.optional(),
  /** Upper bound on generated tokens. */
  maxTokens: positiveInt.optional(),
  temperature: z.number().min(0).max(5).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string().min(1)).max(16).optional(),
};

const chatMessage = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

/** What the extension asks the engine to do. */
export const engineRequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('load'), modelPath: z.string().min(1) }),
  /** Reads a GGUF file's header (family, trained context, FIM tokens) without loading the model. */
  z.object({ op: z.literal('inspect'), modelPath: z.string().min(1) }),
  z.object({ op: z.literal('chat'), messages: z.array(chatMessage).min(1), ...generationOptions }),
  /** A plain completion of `prompt`, or fill-in-the-middle when `suffix` is given (the model's own FIM tokens). */
  z.object({ op: z.literal('complete'), prompt: z.string(), suffix: z.string().optional(), ...generationOptions }),
  z.object({ op: z.literal('tokenize'), modelPath: z.string().min(1), text: z.string() }),
  z.object({ op: z.literal('embed'), modelPath: z.string().min(1), inputs: z.array(z.string()).min(1).max(256) }),
  z.object({ op: z.literal('unload') }),
  z.object({ op: z.literal('status') }),
]);
export type EngineRequest = z.infer<typeof engineRequestSchema>;
export type EngineOp = EngineRequest['op'];

/** Parent → engine. */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), id, request: engineRequestSchema }),
  /** Stop request `id` at once, also while the prompt is being read. Unknown ids are ignored (it may have just finished). */
  z.object({ type: z.literal('abort'), id }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;

/** Facts about a model file, read from its GGUF header. */
export const modelFactsSchema = z.object({
  path: z.string(),
  /** Architecture family from the GGUF metadata (`general.architecture`). */
  family: z.string(),
  trainContextSize: positiveInt,
  sizeBytes: z.number().nonnegative(),
  parameters: z.number().nonnegative().optional(),
  /** The model has fill-in-the-middle tokens. */
  infill: z.boolean(),
});
export type EngineModelFacts = z.infer<typeof modelFactsSchema>;

/** Facts about the loaded model. */
export const loadedModelSchema = modelFactsSchema.extend({
  /** The context currently allocated for it, 0 before the first request. */
  contextSize: z.number().int().nonnegative(),
});
export type LoadedEngineModel = z.infer<typeof loadedModelSchema>;

export const generationResultSchema = z.object({
  kind: z.literal('generation'),
  text: z.string(),
  doneReason: z.enum(['stop', 'length', 'aborted']),
  promptTokens: z.number().int().nonnegative(),
  /** Prompt tokens already in the reused context sequence (KV cache), not evaluated again. */
  cachedPromptTokens: z.number().int().nonnegative(),
  generatedTokens: z.number().int().nonnegative(),
  /** Time from the request reaching the engine to the first token, and to the end. */
  timeToFirstTokenMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
  /** Time spent loading the model for this request (0 when it was already loaded). */
  loadMs: z.number().nonnegative(),
  contextSize: positiveInt,
});
export type EngineGenerationResult = z.infer<typeof generationResultSchema>;

/** The answer to each request kind. */
export const engineResultSchema = z.discriminatedUnion('kind', [
  generationResultSchema,
  z.object({ kind: z.literal('loaded'), model: loadedModelSchema, loadMs: z.number().nonnegative() }),
  z.object({ kind: z.literal('facts'), model: modelFactsSchema }),
  z.object({ kind: z.literal('tokens'), count: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('embeddings'), vectors: z.array(z.array(z.number())) }),
  z.object({ kind: z.literal('unloaded') }),
  /** `gpu`: the accelerator in use (`cpu` when none); `gpuDevices`: the names of the devices it can use. */
  z.object({ kind: z.literal('status'), gpu: z.string(), gpuDevices: z.array(z.string()).optional(), model: loadedModelSchema.optional() }),
]);
export type EngineResult = z.infer<typeof engineResultSchema>;

/** Why an engine request failed, from the extension's point of view. */
export const engineErrorCodeSchema = z.enum(['modelNotFound', 'badModel', 'contextOverflow', 'fimUnsupported', 'embeddingUnsupported', 'aborted', 'badRequest', 'internal']);
export type EngineErrorCode = z.infer<typeof engineErrorCodeSchema>;

export const engineErrorSchema = z.object({
  code: engineErrorCodeSchema,
  message: z.string(),
  promptTokens: z.number().int().nonnegative().optional(),
  contextTokens: z.number().int().nonnegative().optional(),
  /** Text generated before the failure. */
  partialText: z.string().optional(),
});
export type EngineError = z.infer<typeof engineErrorSchema>;

/** Engine → parent. */
export const engineMessageSchema = z.discriminatedUnion('type', [
  /** Sent once, after `getLlama` found a usable binary: the process is ready for requests. */
  z.object({ type: z.literal('ready'), gpu: z.string() }),
  /** `getLlama` failed (no binary for this platform in this build, ...): the process exits after this. */
  z.object({ type: z.literal('fatal'), message: z.string() }),
  /** Generated text of request `id`: one or more tokens (the engine batches them, see host/tokenBatcher.ts). */
  z.object({ type: z.literal('token'), id, text: z.string() }),
  z.object({ type: z.literal('result'), id, result: engineResultSchema }),
  z.object({ type: z.literal('error'), id, error: engineErrorSchema }),
]);
export type EngineMessage = z.infer<typeof engineMessageSchema>;

/** Validates a message received from the parent. */
export function parseParentMessage(value: unknown): { ok: true; message: ParentMessage } | { ok: false; error: string } {
  const r = parentMessageSchema.safeParse(value);
  return r.success ? { ok: true, message: r.data } : { ok: false, error: z.prettifyError(r.error) };
}

/** Validates a message received from the engine process. */
export function parseEngineMessage(value: unknown): { ok: true; message: EngineMessage } | { ok: false; error: string } {
  const r = engineMessageSchema.safeParse(value);
  return r.success ? { ok: true, message: r.data } : { ok: false, error: z.prettifyError(r.error) };
}
