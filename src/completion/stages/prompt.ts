/**
 * Stage "context and prompt": the FIM window around the cursor, optional repository context, and the
 * backend request in the model's form (raw sentinels, Ollama's native `suffix`, or llama-server `/infill`).
 * Pure: no `vscode` import.
 */
import { chooseNumCtx } from '../../context/budget';
import type { FimWindow, FimWindowOptions } from '../../context/fimWindow';
import type { TokenCounter } from '../../context/tokenCounter';
import type { BackendKind, GenerateRequest, ModelInfo } from '../../backend/types';
import type { Settings } from '../../settings/schema';
import type { RepoContext, RepoContextQuery, RepoContextSource } from '../repoContextSource';
import type { FimPlan } from '../templates';
import type { CompletionRequest } from '../types';
import type { ModelChoice } from './model';

/** The FIM window function (see `src/context/fimWindow.ts`). */
export type FimWindowFunction = (text: string, offset: number, options: FimWindowOptions, counter: TokenCounter) => FimWindow;

/** A plan that can complete code. */
export type UsablePlan = Exclude<FimPlan, { kind: 'unsupported' }>;

/** What building a prompt needs besides the request. */
export interface PromptInputs {
  readonly request: CompletionRequest;
  readonly model: ModelInfo;
  readonly backendKind: BackendKind;
  readonly plan: UsablePlan;
  readonly window: FimWindowFunction;
  readonly counter: TokenCounter;
  readonly prefixTokens: number;
  readonly suffixTokens: number;
  /** Sampling fields every completion request carries. */
  readonly common: Omit<GenerateRequest, 'prompt' | 'suffix' | 'raw' | 'extraFiles'>;
}

/** The request to send, and the repository context that went into it (if any). */
export interface BuiltPrompt {
  readonly request: GenerateRequest;
  readonly context: RepoContext | undefined;
}

/**
 * Asks the repository-context source, if any, for context within `tokenBudget`. The slot where repository
 * context enters the pipeline: a source that fails or is cancelled costs the prompt its context, never the
 * completion.
 */
export async function repoContextFor(
  source: RepoContextSource | undefined,
  inputs: Pick<PromptInputs, 'request' | 'model' | 'backendKind' | 'plan'>,
  tokenBudget: number,
  signal: AbortSignal,
): Promise<RepoContext | undefined> {
  if (source === undefined || tokenBudget <= 0) {
    return undefined;
  }
  try {
    return await source.contextFor(repoContextQuery(inputs, tokenBudget, signal));
  } catch {
    return undefined;
  }
}

/**
 * Lets the source choose its context again while the user is idle (see {@link RepoContextSource.refresh}).
 * True when it changed; false for no source, no refresh, a failure or nothing new.
 */
export async function refreshRepoContext(
  source: RepoContextSource | undefined,
  inputs: Pick<PromptInputs, 'request' | 'model' | 'backendKind' | 'plan'>,
  tokenBudget: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (source?.refresh === undefined || tokenBudget <= 0) {
    return false;
  }
  try {
    return await source.refresh(repoContextQuery(inputs, tokenBudget, signal));
  } catch {
    return false;
  }
}

function repoContextQuery(inputs: Pick<PromptInputs, 'request' | 'model' | 'backendKind' | 'plan'>, tokenBudget: number, signal: AbortSignal): RepoContextQuery {
  const { request, model, backendKind, plan } = inputs;
  return {
    documentUri: request.documentUri,
    languageId: request.languageId,
    text: request.text,
    offset: request.offset,
    model: model.name,
    family: plan.family,
    backendKind,
    promptKind: plan.kind,
    tokenBudget,
    signal,
  };
}

/**
 * The backend request for the cursor position. Repository context sits before the file's prefix (as
 * `input_extra` on `/infill`, else as the family's layout at the start of the prompt), so it changes only
 * when the context does and consecutive requests share their prefix in the server's cache.
 */
export function buildPrompt(inputs: PromptInputs, context: RepoContext | undefined): BuiltPrompt {
  const { request, plan, common } = inputs;
  const window = inputs.window(request.text, request.offset, { prefixTokens: inputs.prefixTokens, suffixTokens: inputs.suffixTokens }, inputs.counter);
  const layoutPrefix = context?.layoutPrefix ?? '';
  let generateRequest: GenerateRequest;
  if (plan.kind === 'raw') {
    generateRequest = { ...common, prompt: (context?.rawHead ?? '') + plan.template.build(layoutPrefix + window.prefix, window.suffix), raw: true };
  } else if (inputs.backendKind === 'ollama') {
    // Ollama: an empty prompt with a suffix answers "load" with no text, and an empty suffix is not FIM.
    const prefix = layoutPrefix + window.prefix;
    generateRequest = { ...common, prompt: prefix === '' ? '\n' : prefix, suffix: window.suffix === '' ? '\n' : window.suffix };
  } else {
    const extraFiles = context?.extraFiles ?? [];
    generateRequest = { ...common, prompt: window.prefix, suffix: window.suffix, ...(extraFiles.length > 0 ? { extraFiles } : {}) };
  }
  return { request: generateRequest, context };
}

/** The prompt stage's fixed parts: window function, token counter, budgets and sampling. */
export interface PromptStageOptions {
  readonly window: FimWindowFunction;
  readonly counter: TokenCounter;
  readonly prefixTokens: number;
  readonly suffixTokens: number;
  readonly repoContextTokens: number;
  /** A fixed `num_ctx` for every model; undefined: from the budgets. */
  readonly numCtx: number | undefined;
  readonly temperature: number;
  /** The llama-server slot requests are pinned to under the cost-aware policy. */
  readonly slot: number;
  readonly repoContext: RepoContextSource | undefined;
}

/** Stage 7: the repository context and the backend request for a position. */
export class PromptStage {
  constructor(private readonly options: PromptStageOptions) {}

  /** The `num_ctx` sent for a model: fixed per model, from the window budgets and `completion.maxTokens`. */
  numCtxFor(model: ModelInfo, maxTokens: number): number {
    const o = this.options;
    if (o.numCtx !== undefined) {
      return o.numCtx;
    }
    const contextTokens = o.repoContext !== undefined ? o.repoContextTokens : 0;
    // Template sentinels and a safety margin for tokenizer differences (the budgets are estimates).
    const needed = Math.ceil((o.prefixTokens + o.suffixTokens + contextTokens) * 1.25) + maxTokens + 64;
    return chooseNumCtx(needed, model.contextLength ?? Number.POSITIVE_INFINITY);
  }

  /**
   * The request for `request`'s position, with `stableKey`: what stays the same while the user types in this
   * file (the model, the document and its repository context), i.e. the prompt start the server may hold.
   */
  async build(request: CompletionRequest, choice: ModelChoice, settings: Settings, signal: AbortSignal): Promise<BuiltPrompt & { readonly stableKey: string }> {
    const o = this.options;
    const { model } = choice;
    const inputs = { request, model, backendKind: choice.backend.kind, plan: choice.plan };
    const repoContext = await repoContextFor(o.repoContext, inputs, o.repoContextTokens, signal);
    const maxTokens = settings['completion.maxTokens'];
    const prompt = buildPrompt(
      {
        ...inputs,
        window: o.window,
        counter: o.counter,
        prefixTokens: o.prefixTokens,
        suffixTokens: o.suffixTokens,
        common: {
          model: model.name,
          numCtx: this.numCtxFor(model, maxTokens),
          numPredict: maxTokens,
          temperature: o.temperature,
          stop: choice.plan.stops,
          keepAlive: settings.keepAlive,
          // One slot on llama-server: the next request, and the work of an aborted one, reuse its cached prompt.
          ...(choice.backend.kind === 'openai' && settings['completion.requestPolicy'] === 'costAware' ? { slot: o.slot } : {}),
        },
      },
      repoContext,
    );
    return { ...prompt, stableKey: `${model.name}\u0000${request.documentUri}\u0000${repoContext?.key ?? ''}` };
  }

  /** Lets the repository context be chosen again in idle time (see {@link refreshRepoContext}). */
  refreshContext(request: CompletionRequest, choice: ModelChoice, signal: AbortSignal): Promise<boolean> {
    const inputs = { request, model: choice.model, backendKind: choice.backend.kind, plan: choice.plan };
    return refreshRepoContext(this.options.repoContext, inputs, this.options.repoContextTokens, signal);
  }
}
