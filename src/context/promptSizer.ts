/**
 * Sizing requests so `num_ctx` holds the real prompt: counts come from a fast estimate scaled by the model's
 * calibrated UPPER-bound factor (a safety margin until the model is calibrated), and each answered request
 * teaches the calibration from the server's count, but only from counts that cover the whole prompt.
 * Where the server can tokenize (llama-server `/tokenize`), an uncalibrated model is first measured exactly.
 *
 * Pure: no `vscode` import; the server's tokenizer comes in as a function.
 */
import type { ChatMessage } from '../backend/types';
import type { CountCoverage, TokenCalibration } from './calibration';
import { calibratedCounter } from './tokenCounter';
import type { TokenCounter } from './tokenCounter';

/** Tokens a chat message costs beyond its content (role markers of the chat template), as the layouts count them. */
export const messageOverheadTokens = 4;

/** Counts a text with the server's own tokenizer, or undefined when it cannot. */
export type ServerTokenizer = (text: string) => Promise<number | undefined>;

/** The model a request goes to. */
export interface SizedModel {
  readonly name: string;
  /** `ModelInfo.family` (empty when unknown). */
  readonly family: string;
}

/** The text of messages as one string, the way the estimate reads them. */
function joined(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join('\n');
}

/** Length of the common start of two strings. */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) {
    i++;
  }
  return i;
}

/** See the module comment. One per extension (it remembers the last prompt sent to each model). */
export class PromptSizer {
  private readonly lastPrompt = new Map<string, string>();

  constructor(
    private readonly calibration: TokenCalibration,
    private readonly base: TokenCounter,
  ) {}

  /** A counter for budgets and layouts to this model: raw counts × the calibrated upper-bound factor. */
  counterFor(model: SizedModel): TokenCounter {
    return calibratedCounter(this.base, this.calibration.upperFactorFor(model.name, model.family));
  }

  /** Upper-bound tokens of a message list as the layouts count it (contents plus a per-message overhead). */
  messagesTokens(model: SizedModel, messages: readonly ChatMessage[]): number {
    const counter = this.counterFor(model);
    return messages.reduce((n, m) => n + counter.count(m.content) + messageOverheadTokens, 0);
  }

  /**
   * Before the first requests to a model the server can tokenize for: measure a sample (the text about to be
   * sent) exactly and learn from it, so even the first `num_ctx` rests on the model's own tokenizer.
   * Never throws; does nothing once the model is calibrated or when the server cannot tokenize.
   */
  async measureIfUncalibrated(model: SizedModel, sample: string, tokenize: ServerTokenizer | undefined): Promise<boolean> {
    if (tokenize === undefined || this.calibration.isCalibrated(model.name) || sample.trim() === '') {
      return false;
    }
    let exact: number | undefined;
    try {
      exact = await tokenize(sample);
    } catch {
      return false;
    }
    return exact !== undefined && this.calibration.observe(model.name, model.family, this.base.count(sample), exact, { coverage: 'exact' });
  }

  /**
   * Learns from an answered request: `messages` as sent, the server's prompt count, the tokens it says it served
   * from its cache, and how much of the prompt that count covers (`evaluated` for Ollama, `whole` for servers
   * whose count includes the cache). The chat template's own tokens count as the layouts count them.
   */
  observe(model: SizedModel, messages: readonly ChatMessage[], reported: { readonly promptTokens: number; readonly cachedPromptTokens: number }, coverage: CountCoverage): boolean {
    const text = joined(messages);
    const previous = this.lastPrompt.get(model.name);
    this.lastPrompt.set(model.name, text);
    const sharedPrefix = previous === undefined || text.length === 0 ? 0 : commonPrefix(previous, text) / text.length;
    const raw = this.base.count(text) + messages.length * messageOverheadTokens;
    return this.calibration.observe(model.name, model.family, raw, reported.promptTokens, { coverage, cachedTokens: reported.cachedPromptTokens, sharedPrefix });
  }
}

/** How much of the prompt a backend's reported prompt count covers. */
export function coverageOf(backendKind: string): CountCoverage {
  // Ollama's prompt_eval_count leaves out the cached prefix; llama-server and OpenAI-style usage include it.
  return backendKind === 'ollama' ? 'evaluated' : 'whole';
}
