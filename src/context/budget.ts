/**
 * Sizing the context window. Ollama silently cuts a prompt longer than `num_ctx` (keeping its tail) and
 * reloads the model whenever `num_ctx` changes, so we always send a `num_ctx`, pick it from a few sizes,
 * and prefer the size the model is already loaded with. Pure: no `vscode` import.
 */

/** The window sizes we choose from (reload-friendly: few distinct values). */
export const numCtxSizes: readonly number[] = [2048, 4096, 8192, 16384, 32768, 65536, 131072];

/** Used when the model's trained context is unknown: Ollama's own default on machines without a big GPU. */
export const unknownModelContext = 4096;

/** Used when nothing asks for a bigger window: large windows cost memory and time on small machines. */
export const defaultNumCtx = 8192;

/**
 * Chooses the `num_ctx` to send.
 * - Never above `modelMax` (the model's trained context: Ollama would cap it anyway, and our budget would lie).
 * - If the model is loaded with a window that fits `neededTokens` (and is within `modelMax`), keep it: no reload.
 * - Otherwise the smallest standard size that fits; if none fits, the largest the model allows.
 * Always returns a positive integer.
 */
export function chooseNumCtx(neededTokens: number, modelMax: number, loadedCtx?: number): number {
  const max = Number.isFinite(modelMax) && modelMax >= 1 ? Math.floor(modelMax) : unknownModelContext;
  const needed = Number.isFinite(neededTokens) ? Math.max(0, Math.ceil(neededTokens)) : max;
  if (loadedCtx !== undefined && Number.isFinite(loadedCtx) && loadedCtx >= 1 && loadedCtx <= max && loadedCtx >= needed) {
    return Math.floor(loadedCtx);
  }
  for (const size of numCtxSizes) {
    if (size > max) {
      break;
    }
    if (size >= needed) {
      return size;
    }
  }
  // Nothing standard fits: the model's whole window (a non-standard max such as 16000 is used as is).
  return max;
}

/** Inputs of {@link computeBudget}. */
export interface BudgetInput {
  /** The model's trained context (ModelInfo.contextLength); undefined when the server does not say. */
  readonly contextLength: number | undefined;
  /** The window the model is loaded with now (`/api/ps` context_length), if loaded. */
  readonly loadedContextLength?: number;
  /** `tiered.context.maxContextTokens`: a cap on the window; 0 means the model's own limit. */
  readonly maxContextSetting: number;
  /** Tokens kept free for the answer (`tiered.context.answerReserveTokens`). */
  readonly answerReserve: number;
  /**
   * Prompt tokens we would like to send (calibrated estimate of everything available), if known.
   * With it the window grows (within the caps) to fit; without it the loaded window or {@link defaultNumCtx} is used.
   */
  readonly neededTokens?: number;
}

/** The window to request and the room left for the prompt. */
export interface Budget {
  /** The `num_ctx` to send with every request. */
  readonly numCtx: number;
  /** Calibrated prompt tokens the layout may use (numCtx − answer reserve − safety margin). */
  readonly promptBudget: number;
  /** The answer reserve actually applied (it is capped at half the window). */
  readonly answerReserve: number;
  /** Why this size, in words, for logs and the UI. */
  readonly reason: string;
}

/** Tokens held back for the chat template's own tokens and the estimate's residual error. */
export function safetyMargin(numCtx: number): number {
  return Math.max(16, Math.ceil(numCtx * 0.03));
}

/** Computes the window (`num_ctx`) and the prompt budget for one request. */
export function computeBudget(input: BudgetInput): Budget {
  const reasons: string[] = [];
  const known = input.contextLength !== undefined && Number.isFinite(input.contextLength) && input.contextLength > 0;
  let cap = known ? Math.floor(input.contextLength ?? unknownModelContext) : unknownModelContext;
  if (known) {
    reasons.push(`model trained for ${cap} tokens`);
  } else {
    // An unknown model's window is at least what it is loaded with.
    const loaded = input.loadedContextLength;
    if (loaded !== undefined && Number.isFinite(loaded) && loaded > cap) {
      cap = Math.floor(loaded);
    }
    reasons.push(`model context unknown, assuming ${cap}`);
  }
  if (Number.isFinite(input.maxContextSetting) && input.maxContextSetting > 0 && input.maxContextSetting < cap) {
    cap = Math.floor(input.maxContextSetting);
    reasons.push(`capped at ${cap} by tiered.context.maxContextTokens`);
  }
  const requestedReserve = Number.isFinite(input.answerReserve) ? Math.max(0, Math.ceil(input.answerReserve)) : 0;

  let numCtx: number;
  const loaded = input.loadedContextLength;
  if (input.neededTokens !== undefined) {
    const needed = input.neededTokens + requestedReserve + safetyMargin(input.neededTokens + requestedReserve);
    numCtx = chooseNumCtx(needed, cap, loaded);
    reasons.push(loaded !== undefined && numCtx === loaded ? `kept the loaded window ${numCtx} (no reload)` : `window ${numCtx} fits ${Math.ceil(needed)} tokens`);
    if (needed > numCtx) {
      reasons.push('the prompt will be trimmed to fit');
    }
  } else if (loaded !== undefined && Number.isFinite(loaded) && loaded >= 1 && loaded <= cap) {
    numCtx = Math.floor(loaded);
    reasons.push(`kept the loaded window ${numCtx} (no reload)`);
  } else {
    numCtx = chooseNumCtx(Math.min(defaultNumCtx, cap), cap);
    reasons.push(`default window ${numCtx}`);
  }

  const answerReserve = Math.min(requestedReserve, Math.floor(numCtx / 2));
  if (answerReserve < requestedReserve) {
    reasons.push(`answer reserve cut to ${answerReserve} (half the window)`);
  }
  const promptBudget = Math.max(0, numCtx - answerReserve - safetyMargin(numCtx));
  return { numCtx, promptBudget, answerReserve, reason: reasons.join('; ') };
}
