/**
 * Parses the JSON of Ollama's `/api/tags`, `/api/show`, `/api/ps` and `/api/version` with zod
 * (ollama-js returns it unchecked; its types also lie about dates and `model_info`) and maps it
 * onto {@link ModelInfo} and {@link LoadedModel}.
 * Pure: no `vscode` import.
 */
import { z } from 'zod';
import type { LoadedModel, ModelCapabilities, ModelInfo } from './types';

const detailsSchema = z
  .object({
    parent_model: z.string().optional(),
    format: z.string().optional(),
    family: z.string().optional(),
    families: z.array(z.string()).nullish(),
    parameter_size: z.string().optional(),
    quantization_level: z.string().optional(),
    context_length: z.number().optional(),
  })
  .loose();

const tagSchema = z
  .object({
    name: z.string(),
    model: z.string().optional(),
    modified_at: z.string().optional(),
    size: z.number().optional(),
    digest: z.string().optional(),
    details: detailsSchema.optional(),
    capabilities: z.array(z.string()).optional(),
  })
  .loose();

export const tagsResponseSchema = z.object({ models: z.array(tagSchema).nullable() }).loose();
export type OllamaTag = z.infer<typeof tagSchema>;

export const showResponseSchema = z
  .object({
    template: z.string().optional(),
    parameters: z.string().optional(),
    details: detailsSchema.optional(),
    model_info: z.record(z.string(), z.unknown()).nullish(),
    capabilities: z.array(z.string()).nullish(),
  })
  .loose();
export type OllamaShow = z.infer<typeof showResponseSchema>;

const psEntrySchema = z
  .object({
    name: z.string(),
    model: z.string().optional(),
    size: z.number().optional(),
    size_vram: z.number().optional(),
    expires_at: z.string().optional(),
    context_length: z.number().optional(),
    details: detailsSchema.optional(),
  })
  .loose();
export const psResponseSchema = z.object({ models: z.array(psEntrySchema).nullable() }).loose();

export const versionResponseSchema = z.object({ version: z.string() }).loose();

/** "7.6B" → 7.6, "500M" → 0.5, "1.2T" → 1200; undefined when it does not parse. */
export function parseParameterBillions(size: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMBT])?\s*$/i.exec(size);
  if (!match) {
    return undefined;
  }
  const value = Number(match[1]);
  switch ((match[2] ?? 'B').toUpperCase()) {
    case 'K':
      return value / 1e6;
    case 'M':
      return value / 1e3;
    case 'T':
      return value * 1e3;
    default:
      return value;
  }
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/**
 * Capabilities from `/api/show`: the `capabilities` list when the server has one (v0.6.4+), else the
 * template heuristic (`.Suffix` means FIM). `insert` stays undefined when nothing tells.
 */
export function capabilitiesFrom(show: OllamaShow | undefined, tag: OllamaTag): ModelCapabilities {
  const list = show?.capabilities ?? tag.capabilities;
  const info = show?.model_info ?? {};
  const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : '';
  if (list) {
    const has = (c: string): boolean => list.includes(c);
    return { completion: has('completion'), insert: has('insert'), tools: has('tools'), thinking: has('thinking'), vision: has('vision'), embedding: has('embedding') };
  }
  const template = show?.template;
  const embedding = arch !== '' && `${arch}.pooling_type` in info;
  return {
    completion: !embedding,
    insert: template === undefined ? undefined : template.includes('.Suffix'),
    tools: template?.includes('.Tools') ?? false,
    thinking: false,
    vision: false,
    embedding,
  };
}

/** One installed model, from its `/api/tags` entry and (when it could be read) its `/api/show`. */
export function toModelInfo(endpointId: string, tag: OllamaTag, show: OllamaShow | undefined): ModelInfo {
  const details = show?.details ?? tag.details ?? {};
  const info = show?.model_info ?? {};
  const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : '';
  const parameterSize = details.parameter_size ?? tag.details?.parameter_size ?? '';
  const parameterCount = positiveInt(info['general.parameter_count']);
  const family = details.family ?? arch;
  return {
    name: tag.name,
    endpointId,
    family,
    families: details.families ?? (family ? [family] : []),
    parameterSize,
    parameterBillions: parseParameterBillions(parameterSize) ?? (parameterCount === undefined ? undefined : parameterCount / 1e9),
    quantization: details.quantization_level ?? '',
    sizeBytes: positiveInt(tag.size) ?? 0,
    contextLength: (arch ? positiveInt(info[`${arch}.context_length`]) : undefined) ?? positiveInt(tag.details?.context_length),
    expertCount: arch ? positiveInt(info[`${arch}.expert_count`]) : undefined,
    capabilities: capabilitiesFrom(show, tag),
    template: show?.template,
  };
}

export function toLoadedModels(ps: z.infer<typeof psResponseSchema>): LoadedModel[] {
  return (ps.models ?? []).map((m) => ({
    name: m.name,
    sizeBytes: positiveInt(m.size) ?? 0,
    sizeVramBytes: positiveInt(m.size_vram) ?? 0,
    contextLength: positiveInt(m.context_length),
    expiresAt: m.expires_at,
  }));
}
