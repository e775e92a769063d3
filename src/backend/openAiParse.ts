/**
 * What OpenAI-compatible servers answer, read safely: the `/v1/models`, `/v1/embeddings` and `/props` documents,
 * error bodies of every shape, finish reasons, parameter counts. Pure: no `vscode` import.
 */
import { z } from 'zod';
import type { DoneReason } from './types';

/** `POST /v1/embeddings`. */
export const embeddingsResponseSchema = z.object({ data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().optional() }).loose()) }).loose();

/** `GET /v1/models` on llama-server, LM Studio, vLLM. */
export const modelsResponseSchema = z
  .object({
    data: z
      .array(
        z
          .object({
            id: z.string(),
            meta: z
              .object({ n_ctx: z.number().optional(), n_ctx_train: z.number().optional(), n_params: z.number().optional(), size: z.number().optional() })
              .loose()
              .nullish(),
            max_model_len: z.number().optional(),
          })
          .loose(),
      )
      .nullable(),
    models: z
      .array(
        z
          .object({
            name: z.string().optional(),
            model: z.string().optional(),
            capabilities: z.array(z.string()).optional(),
            details: z.object({ family: z.string().optional(), families: z.array(z.string()).nullish(), parameter_size: z.string().optional(), quantization_level: z.string().optional() }).loose().optional(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();

export const propsSchema = z.object({ build_info: z.string().optional(), version: z.string().optional() }).loose();

/** What an error body says, whatever its shape (`{"error":{"message"}}`, `{"error":"..."}`, `{"message"}`). */
export interface ErrorBody {
  readonly message: string;
  readonly type: string;
  readonly promptTokens: number | undefined;
  readonly contextTokens: number | undefined;
}

export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function optionalInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

export function parseErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500), type: '', promptTokens: undefined, contextTokens: undefined };
  }
  const inner = field(json, 'error');
  const source = typeof inner === 'object' && inner !== null ? inner : json;
  const message = str(field(source, 'message')) || (typeof inner === 'string' ? inner : '') || text.trim().slice(0, 500);
  return { message, type: str(field(source, 'type')), promptTokens: optionalInt(field(source, 'n_prompt_tokens')), contextTokens: optionalInt(field(source, 'n_ctx')) };
}

/** "1543714304" parameters → "1.5B". */
export function formatParameters(count: number | undefined): string {
  if (count === undefined) {
    return '';
  }
  return count >= 1e9 ? `${(count / 1e9).toFixed(1)}B` : `${Math.round(count / 1e6)}M`;
}

export function doneReasonOf(finish: unknown): DoneReason {
  switch (finish) {
    case 'stop':
    case 'eos':
    case 'word':
    case 'tool_calls':
      return 'stop';
    case 'length':
    case 'limit':
      return 'length';
    default:
      return 'unknown';
  }
}

