/**
 * Stage "context and prompt": the FIM window around the cursor, optional repository context, and the
 * backend request in the model's form (raw sentinels, Ollama's native `suffix`, or llama-server `/infill`).
 * Pure: no `vscode` import.
 */
import type { FimWindow, FimWindowOptions } from '../../context/fimWindow';
import type { TokenCounter } from '../../context/tokenCounter';
import type { BackendKind, GenerateRequest, ModelInfo } from '../../backend/types';
import type { RepoContext, RepoContextQuery, RepoContextSource } from '../repoContextSource';
import type { FimPlan } from '../templates';
import type { CompletionRequest } from '../types';

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
