/**
 * What the router can tell about a model from what the server reports and from its name:
 * size, mixture-of-experts, code specialisation, fill-in-the-middle, embedding-only.
 * Pure: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';
import { detectFimFamily } from '../completion/templates';

/** Derived facts about one installed model. */
export interface ModelTraits {
  /** Total parameters in billions; undefined when neither the server, the name nor the file size tells. */
  readonly paramsB: number | undefined;
  /** Active parameters per token for MoE models when the name says (`30b-a3b` → 3); else {@link paramsB}. */
  readonly activeParamsB: number | undefined;
  readonly moe: boolean;
  readonly coder: boolean;
  /** `true` known FIM, `false` known not, `undefined` unknown. */
  readonly fim: boolean | undefined;
  /** Tiered knows the model family's FIM tokens, so it can complete with a raw prompt even without native FIM. */
  readonly fimSentinels: boolean;
  /** Can generate text (not an embedding-only model). */
  readonly generates: boolean;
  /** A base (non-instruct) model: fine for FIM, poor for chat. */
  readonly base: boolean;
}

// Name patterns of well-known mixture-of-experts models (when the server does not report expert_count).
const moeNamePatterns: readonly RegExp[] = [
  /\d+(\.\d+)?b-a\d+(\.\d+)?b/i, // qwen3:30b-a3b, qwen3-coder:30b-a3b
  /mixtral/i,
  /deepseek-v[23]/i,
  /deepseek-coder-v2/i,
  /qwen[\d.]*-?moe/i,
  /\bmoe\b|-moe|moe-/i,
  /olmoe/i,
  /gpt-oss/i,
  /llama4/i,
  /dbrx/i,
  /\d+x\d+(\.\d+)?b/i, // 8x7b
];

const coderNamePatterns: readonly RegExp[] = [
  /coder/i,
  /code(llama|gemma|stral|qwen|geex|booga)/i,
  /starcoder/i,
  /devstral/i,
  /granite-code/i,
  /stable-code/i,
  /deepseek-coder/i,
  /-code\b|\bcode-/i,
  /yi-coder/i,
];

const embeddingNamePatterns: readonly RegExp[] = [/embed/i, /\bbge\b|bge-/i, /minilm/i, /\be5-/i, /gte-/i, /nomic-bert/i];

/** Parse "7.6B", "494.03M", "1.5b" into billions. */
export function parseParamSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmbt])\s*$/i.exec(text);
  if (m === null) {
    return undefined;
  }
  const value = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const scale = unit === 'k' ? 1e-6 : unit === 'm' ? 1e-3 : unit === 't' ? 1e3 : 1;
  return value * scale;
}

/** Sizes found in a model name: `qwen3:30b-a3b` → total 30, active 3; `mixtral:8x7b` → total 56 (approx.). */
export function sizeFromName(name: string): { total: number | undefined; active: number | undefined } {
  const lower = name.toLowerCase();
  const experts = /(\d+)x(\d+(?:\.\d+)?)b/.exec(lower);
  if (experts !== null) {
    return { total: Number(experts[1]) * Number(experts[2]), active: undefined };
  }
  const activeMatch = /(\d+(?:\.\d+)?)b-a(\d+(?:\.\d+)?)b/.exec(lower);
  if (activeMatch !== null) {
    return { total: Number(activeMatch[1]), active: Number(activeMatch[2]) };
  }
  // The tag (after ':') is the most reliable place; fall back to the whole name.
  const tag = lower.includes(':') ? lower.slice(lower.indexOf(':') + 1) : '';
  for (const part of [tag, lower]) {
    const m = /(?:^|[^a-z\d.])(\d+(?:\.\d+)?)([bm])(?![a-z])/.exec(part);
    if (m !== null) {
      const v = Number(m[1]);
      return { total: m[2] === 'm' ? v / 1000 : v, active: undefined };
    }
  }
  return { total: undefined, active: undefined };
}

/** Bytes per parameter by quantisation, to estimate size from the file when nothing else tells. */
function bytesPerParam(quantization: string): number {
  const q = quantization.toUpperCase();
  if (q.startsWith('F32')) {
    return 4;
  }
  if (q.startsWith('F16') || q.startsWith('BF16')) {
    return 2;
  }
  if (q.startsWith('Q8')) {
    return 1.07;
  }
  if (q.startsWith('Q6')) {
    return 0.82;
  }
  if (q.startsWith('Q5')) {
    return 0.69;
  }
  if (q.startsWith('Q3')) {
    return 0.49;
  }
  if (q.startsWith('Q2')) {
    return 0.4;
  }
  return 0.6; // Q4_K_M, the common default
}

// ModelInfo records are immutable snapshots from the server, so their traits can be remembered per object.
const traitsCache = new WeakMap<ModelInfo, ModelTraits>();

/** Derive {@link ModelTraits} from a model's reported details and its name (memoised per record). */
export function modelTraits(model: ModelInfo): ModelTraits {
  let traits = traitsCache.get(model);
  if (traits === undefined) {
    traits = computeTraits(model);
    traitsCache.set(model, traits);
  }
  return traits;
}

function computeTraits(model: ModelInfo): ModelTraits {
  const fromName = sizeFromName(model.name);
  const reported = model.parameterBillions ?? parseParamSize(model.parameterSize);
  const fromBytes = model.sizeBytes > 0 ? model.sizeBytes / 1e9 / bytesPerParam(model.quantization) : undefined;
  const paramsB = reported ?? fromName.total ?? fromBytes;
  const moe = (model.expertCount ?? 0) > 0 || moeNamePatterns.some((p) => p.test(model.name));
  const coder = coderNamePatterns.some((p) => p.test(model.name));
  // Some OpenAI-compatible servers list embedding models as if they generated text: trust the name too.
  const embeddingOnly =
    (model.capabilities.embedding && !model.capabilities.completion) ||
    embeddingNamePatterns.some((p) => p.test(`${model.name} ${model.family}`));
  const generates = model.capabilities.completion && !embeddingOnly;
  const base = /[:-]base\b|-base-|:base$/i.test(model.name) || completionOnlyTemplate(model.template);
  return {
    paramsB,
    activeParamsB: moe ? (fromName.active ?? paramsB) : paramsB,
    moe,
    coder,
    fim: model.capabilities.insert,
    fimSentinels: detectFimFamily(model) !== undefined,
    generates,
    base,
  };
}

// Chat formatting in a prompt template: roles, message lists, or a family's turn markers.
const chatTemplateMarkers = /\.Messages|\.Role|\.System|\[INST\]|<\|im_start\|>|<start_of_turn>|<\|start_header_id\|>|### Instruction|<\|user\|>|<\|assistant\|>|<｜User｜>/;

/**
 * A template with no chat formatting at all (e.g. codegemma:2b's, starcoder2:3b's or codellama:7b-code's, which
 * only join prefix and suffix or pass the prompt through) belongs to a completion model: it fills in code but does
 * not answer questions. Unknown (no template, as from OpenAI-compatible servers) is not taken as completion-only.
 */
export function completionOnlyTemplate(template: string | undefined): boolean {
  return template !== undefined && template.trim() !== '' && !chatTemplateMarkers.test(template);
}

/**
 * The models that can hold a conversation, as the router picks them: models that generate text, leaving out
 * completion-only base models (`qwen2.5-coder:1.5b-base`: they fill in code but do not answer questions) unless
 * nothing else is installed. The chat's model picker offers these; the tier suggestions choose from them.
 */
export function chatModels<T extends ModelInfo>(installed: readonly T[]): T[] {
  const generating = installed.filter((m) => modelTraits(m).generates);
  const instruct = generating.filter((m) => !modelTraits(m).base);
  return instruct.length > 0 ? instruct : generating;
}

/** `qwen2.5-coder` and `qwen2.5-coder:latest` are the same model; names compare case-insensitively. */
export function normalizeModelName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith(':latest') ? lower.slice(0, -':latest'.length) : lower;
}

/** Whether two model names denote the same model. */
export function sameModel(a: string, b: string): boolean {
  return normalizeModelName(a) === normalizeModelName(b);
}

/** Format a parameter count for reasons: 0.5 → "0.5B", 14 → "14B". */
export function formatParams(paramsB: number | undefined): string {
  if (paramsB === undefined) {
    return 'unknown size';
  }
  const rounded = paramsB >= 10 ? Math.round(paramsB) : Math.round(paramsB * 10) / 10;
  return `${rounded}B`;
}
