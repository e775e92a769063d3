/**
 * How large the engine's context must be for one request: it always holds the whole prompt plus the answer, so
 * nothing is ever truncated silently; when that cannot fit, the request is refused with the numbers.
 * Pure: used inside the engine process, unit-tested here.
 */

/** Answer budget when the request names neither `maxTokens` nor `numCtx`. */
export const DEFAULT_ANSWER_TOKENS = 512;
/** Contexts are allocated in steps of this many tokens, so that a slightly longer follow-up reuses the same context. */
export const CONTEXT_STEP = 512;

export interface ContextNeed {
  readonly promptTokens: number;
  readonly maxTokens: number | undefined;
  /** The `num_ctx` the caller asked for, if any. */
  readonly numCtx: number | undefined;
  /** The model's trained context: the engine never goes beyond it. */
  readonly trainContextSize: number;
  /** The context allocated now (0 when none): reused when large enough, keeping its KV cache. */
  readonly currentContextSize: number;
}

export type ContextPlan =
  | { readonly ok: true; readonly contextSize: number; readonly maxTokens: number; readonly reuse: boolean }
  | { readonly ok: false; readonly promptTokens: number; readonly contextTokens: number; readonly reason: string };

/** Decides the context size and answer budget of one request. */
export function planContext(need: ContextNeed): ContextPlan {
  const limit = Math.min(need.numCtx ?? need.trainContextSize, need.trainContextSize);
  const answer = need.maxTokens ?? (need.numCtx !== undefined ? limit - need.promptTokens : Math.min(DEFAULT_ANSWER_TOKENS, limit - need.promptTokens));
  const total = need.promptTokens + Math.max(answer, 1);
  if (answer < 1 || total > limit) {
    const what = need.numCtx !== undefined && need.numCtx < need.trainContextSize ? 'the requested context' : "the model's trained context";
    return {
      ok: false,
      promptTokens: need.promptTokens,
      contextTokens: limit,
      reason: `${need.promptTokens} prompt tokens + ${Math.max(answer, 1)} answer tokens do not fit ${what} of ${limit} tokens`,
    };
  }
  if (need.currentContextSize >= total) {
    return { ok: true, contextSize: need.currentContextSize, maxTokens: answer, reuse: true };
  }
  const stepped = Math.ceil(total / CONTEXT_STEP) * CONTEXT_STEP;
  return { ok: true, contextSize: Math.min(Math.max(stepped, need.numCtx ?? 0), limit), maxTokens: answer, reuse: false };
}

/** Length of the common prefix of two token lists: the prompt tokens a reused sequence did not evaluate again. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) {
    i++;
  }
  return i;
}
