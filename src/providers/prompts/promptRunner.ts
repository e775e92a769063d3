import type { ResolvedPrompt } from '../../prompts/types';

/**
 * Runs a filled prompt. The extension passes `ChatPromptRunner` (a turn in the chat view, through the same
 * router and context engine as a typed message); tests may pass their own.
 */
export interface PromptRunner {
  run(prompt: ResolvedPrompt): Promise<void>;
}
