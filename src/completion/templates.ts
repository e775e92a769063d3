/**
 * Fill-in-the-middle templates per model family, the choice between the server's native `suffix`
 * support and a raw prompt with the family's sentinels, stop sequences, and the final filter that keeps
 * every special token out of the editor. Sentinels follow ollama-api.md §6.4 (cross-checked there
 * against llama.cpp's vocabulary recognizers).
 * Pure: no `vscode` import.
 */
import { TieredError } from '../backend/errors';
import type { BackendKind, ModelInfo } from '../backend/types';

/** The FIM families Tiered knows. */
export type FimFamily = 'qwen' | 'codellama' | 'deepseek' | 'starcoder' | 'codegemma' | 'codestral';

/** One family's prompt layout, stops and control tokens. */
export interface FimTemplate {
  readonly family: FimFamily;
  /** Human name, e.g. for the attempt log. */
  readonly label: string;
  /** The raw prompt for `raw: true` requests. */
  build(prefix: string, suffix: string): string;
  /** Stop sequences sent with every request of this family. */
  readonly stops: readonly string[];
  /** Every control token of the family; none may ever reach the editor. */
  readonly specialTokens: readonly string[];
}

const qwenTokens = ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'];
const codellamaTokens = ['<PRE>', '<SUF>', '<MID>', '<EOT>'];
const deepseekTokens = ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<｜begin▁of▁sentence｜>'];
const starcoderTokens = ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<file_sep>', '<repo_name>', '<filename>', '<|endoftext|>'];
const codegemmaTokens = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>', '<end_of_turn>', '<start_of_turn>', '<eos>'];
const codestralTokens = ['[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>'];

/** The templates, by family. */
export const fimTemplates: Readonly<Record<FimFamily, FimTemplate>> = {
  qwen: {
    family: 'qwen',
    label: 'Qwen2.5-Coder',
    build: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
    stops: qwenTokens,
    specialTokens: qwenTokens,
  },
  codellama: {
    family: 'codellama',
    label: 'Code Llama',
    // The spaces matter: the vocabulary pieces are `▁<PRE>`, `▁<SUF>`, `▁<MID>`.
    build: (prefix, suffix) => `<PRE> ${prefix} <SUF>${suffix} <MID>`,
    stops: codellamaTokens,
    specialTokens: codellamaTokens,
  },
  deepseek: {
    family: 'deepseek',
    label: 'DeepSeek-Coder',
    // Full-width `｜` and `▁`, not ASCII `|` and space.
    build: (prefix, suffix) => `<｜fim▁begin｜>${prefix}<｜fim▁hole｜>${suffix}<｜fim▁end｜>`,
    stops: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>'],
    specialTokens: deepseekTokens,
  },
  starcoder: {
    family: 'starcoder',
    label: 'StarCoder2',
    build: (prefix, suffix) => `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`,
    stops: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>', '<|endoftext|>'],
    specialTokens: starcoderTokens,
  },
  codegemma: {
    family: 'codegemma',
    label: 'CodeGemma',
    build: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
    stops: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>', '<end_of_turn>', '<eos>'],
    specialTokens: codegemmaTokens,
  },
  codestral: {
    family: 'codestral',
    label: 'Codestral',
    // Suffix first.
    build: (prefix, suffix) => `[SUFFIX]${suffix}[PREFIX]${prefix}`,
    stops: ['[PREFIX]', '[SUFFIX]'],
    specialTokens: codestralTokens,
  },
};

/** The completion model suggested when the chosen one cannot do FIM. */
export const suggestedCompletionModel = 'qwen2.5-coder:1.5b';

// Name patterns, most specific first. Instruct/chat fine-tunes of these families still match: the
// server's `insert` capability (or the user) decides whether they are used natively.
const namePatterns: ReadonlyArray<readonly [RegExp, FimFamily]> = [
  [/codestral/i, 'codestral'],
  [/codegemma/i, 'codegemma'],
  [/deepseek[-_.]?coder/i, 'deepseek'],
  [/code[-_.]?llama/i, 'codellama'],
  [/star[-_.]?coder|stable[-_.]?code/i, 'starcoder'],
  [/qwen[\d.]*[-_.]?coder|codeqwen/i, 'qwen'],
];

// Template markers, for models whose name says nothing (e.g. a custom tag) but whose template does.
const templateMarkers: ReadonlyArray<readonly [string, FimFamily]> = [
  ['[SUFFIX]', 'codestral'],
  ['<｜fim▁begin｜>', 'deepseek'],
  ['<PRE>', 'codellama'],
  ['<fim_prefix>', 'starcoder'],
  ['<|file_separator|>', 'codegemma'],
  ['<|fim_prefix|>', 'qwen'],
];

/** The FIM family of a model, from its name, then its template; undefined when unknown. */
export function detectFimFamily(model: Pick<ModelInfo, 'name' | 'template'>): FimFamily | undefined {
  for (const [pattern, family] of namePatterns) {
    if (pattern.test(model.name)) {
      return family;
    }
  }
  const template = model.template ?? '';
  for (const [marker, family] of templateMarkers) {
    if (template.includes(marker)) {
      return family;
    }
  }
  return undefined;
}

/** How a completion request is sent to a model. */
export type FimPlan =
  /** The server assembles the prompt from `prompt` + `suffix` (Ollama `insert`, llama-server `/infill`). */
  | { readonly kind: 'native'; readonly family: FimFamily | undefined; readonly stops: readonly string[] }
  /** `raw: true` with the family's sentinels. */
  | { readonly kind: 'raw'; readonly family: FimFamily; readonly template: FimTemplate; readonly stops: readonly string[] }
  /** The model cannot complete code: a clear error, never garbage. */
  | { readonly kind: 'unsupported'; readonly error: TieredError };

// Stops sent when the family is unknown (native FIM on a model Tiered does not recognise).
const genericStops = ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_sep|>', '<|im_end|>', '<fim_prefix>', '<file_sep>', '<｜end▁of▁sentence｜>', '<EOT>'];

/** The error for a model that cannot do fill-in-the-middle, naming a model that can. */
export function cannotCompleteError(model: string, why: string): TieredError {
  return new TieredError(
    'fimUnsupported',
    `The model "${model}" cannot make inline completions (${why}). Choose a code model with fill-in-the-middle support for completions, for example ${suggestedCompletionModel} (setting tiered.completion.model).`,
    { model },
    { kind: 'chooseCompletionModel', model: suggestedCompletionModel },
  );
}

/**
 * Decides native vs raw FIM. Native when the server says the model supports `insert` (Ollama) or the
 * endpoint is OpenAI-compatible (its backend maps `suffix` to llama-server's `/infill`); raw with the
 * family's sentinels when the family is known; otherwise unsupported.
 */
export function planFim(model: Pick<ModelInfo, 'name' | 'template' | 'capabilities'>, backendKind: BackendKind): FimPlan {
  const family = detectFimFamily(model);
  if (!model.capabilities.completion) {
    return { kind: 'unsupported', error: cannotCompleteError(model.name, 'it does not generate text') };
  }
  if (backendKind === 'openai' || model.capabilities.insert === true) {
    return { kind: 'native', family, stops: family === undefined ? genericStops : fimTemplates[family].stops };
  }
  if (family !== undefined) {
    const template = fimTemplates[family];
    return { kind: 'raw', family, template, stops: template.stops };
  }
  return { kind: 'unsupported', error: cannotCompleteError(model.name, 'it is a chat model without fill-in-the-middle support, and its template has no FIM tokens') };
}

// Tokens that are also plausible in source code (HTML `<PRE>`, `[PREFIX]` in a comment): cut only when
// the model's family uses them. Everything else below is cut whatever the family.
const familyOnlyTokens = new Set(['<PRE>', '<SUF>', '<MID>', '<EOT>', '<eos>', '[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>', '<filename>']);
const allTokens = [...new Set([...qwenTokens, ...codellamaTokens, ...deepseekTokens, ...starcoderTokens, ...codegemmaTokens, ...codestralTokens])];
const alwaysCut = allTokens.filter((t) => !familyOnlyTokens.has(t));
// `<|anything|>` and `<｜anything｜>` control tokens, of any family.
const controlTokenPattern = /<\|[A-Za-z0-9_.-]{1,40}\|>|<｜[^｜\n]{1,40}｜>/;

/** Every control token the filter knows (for tests). */
export const knownSpecialTokens: readonly string[] = allTokens;

/**
 * Index where the text must be cut so that no special token reaches the editor: the first control
 * token, or (when `atEnd`) the start of a trailing fragment of one (`<|endo` cut by `num_predict`).
 * Returns `text.length` when the text is clean.
 */
export function specialTokenCut(text: string, family: FimFamily | undefined, atEnd: boolean): number {
  let cut = text.length;
  const candidates = family === undefined ? alwaysCut : [...alwaysCut, ...fimTemplates[family].specialTokens];
  for (const token of candidates) {
    const at = text.indexOf(token);
    if (at >= 0 && at < cut) {
      cut = at;
    }
  }
  const match = controlTokenPattern.exec(text);
  if (match !== null && match.index < cut) {
    cut = match.index;
  }
  if (atEnd && cut === text.length) {
    cut = partialTokenStart(text, candidates);
  }
  return cut;
}

// A trailing `<|`, `<｜`, or a 3+ character start of a known token is held back: it is about to become one.
function partialTokenStart(text: string, tokens: readonly string[]): number {
  const tailStart = Math.max(0, text.length - 40);
  for (let i = tailStart; i < text.length; i++) {
    const tail = text.slice(i);
    if (/^<[|｜][^\s]*$/.test(tail)) {
      return i;
    }
    if (tail.length >= 3 && tokens.some((t) => t.startsWith(tail))) {
      return i;
    }
  }
  return text.length;
}

/** Removes everything from the first special token on (see {@link specialTokenCut}). */
export function stripSpecialTokens(text: string, family: FimFamily | undefined): string {
  return text.slice(0, specialTokenCut(text, family, true));
}
