/**
 * Truncation guard: say, before sending, that a prompt cannot fit the model's context even after trimming,
 * with the numbers, instead of letting the server cut it silently. Pure: no `vscode` import.
 */

/** What the guard needs to know. */
export interface PromptFitInput {
  readonly model: string;
  /** Tokens of the prompt after the context engine trimmed what it could. */
  readonly promptTokens: number;
  /** The context the request will run with (num_ctx, or the model's trained length). */
  readonly contextTokens: number;
  /** Tokens kept free for the answer. */
  readonly answerReserveTokens: number;
}

export type PromptFit =
  | { readonly fits: true; readonly spareTokens: number }
  | { readonly fits: false; readonly overflowTokens: number; readonly message: string };

const n = (v: number): string => Math.round(v).toLocaleString('en-US');

/** Whether the prompt fits; when not, a message with the numbers and the next step. */
export function checkPromptFits(input: PromptFitInput): PromptFit {
  const reserve = Math.max(0, input.answerReserveTokens);
  const room = Math.max(0, input.contextTokens - reserve);
  const overflow = input.promptTokens - room;
  if (overflow <= 0) {
    return { fits: true, spareTokens: -overflow };
  }
  const message =
    `The prompt does not fit "${input.model}": it needs ${n(input.promptTokens)} tokens, but the context is ${n(input.contextTokens)} ` +
    `tokens with ${n(reserve)} kept for the answer, so ${n(overflow)} tokens too many even after trimming. ` +
    'Select less text or include fewer files, raise tiered.context.maxContextTokens if the model allows more, or choose a model with a longer context (Configure Tiers).';
  return { fits: false, overflowTokens: overflow, message };
}
