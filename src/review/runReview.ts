/**
 * One review, end to end, independent of VS Code: lay the prompt out, ask for structured output, parse and
 * validate, ask once more with a repair prompt (laid out within the same budget) if the answer is malformed, fall back to the strict text format
 * when the server rejects structured output, then run the grounding check.
 * Pure: no `vscode` import; the caller supplies the model call and the layout.
 */
import { isTieredError } from '../backend/errors';
import type { ChatMessage, JsonSchema } from '../backend/types';
import type { ContextItem, ItemRenderer } from '../context/items';
import type { PromptLayout } from '../context/layout';
import { reviewJsonSchema } from './findings';
import { groundFindings } from './grounding';
import type { GroundingResult } from './grounding';
import { parseReview } from './parseReview';
import { explainReviewRenderer, repairItems, reviewItems, selectionCutNote } from './prompts';
import type { CodeUnderReview, ReviewAnswerMode, SupportingSnippet } from './prompts';

/** What {@link runReview} needs. */
export interface ReviewRun {
  readonly code: CodeUnderReview;
  readonly snippets: readonly SupportingSnippet[];
  /** Start with structured output (`json`) or with the text format (a server known not to support it). */
  readonly mode: ReviewAnswerMode;
  /** Lays items out within the model's budget (the context engine's `layoutPrompt` with this renderer). */
  layout(items: readonly ContextItem[], render: ItemRenderer): PromptLayout;
  /** Sends messages and resolves to the whole answer text. Rejects with a TieredError. */
  chat(messages: readonly ChatMessage[], format: JsonSchema | undefined): Promise<string>;
}

/** How a review ended. */
export type ReviewOutcome =
  | {
      readonly kind: 'review';
      readonly summary: string;
      readonly grounding: GroundingResult;
      /** Findings the model reported before the grounding check. */
      readonly reported: number;
      readonly mode: ReviewAnswerMode;
      /** Model calls made (2 when the repair prompt was needed). */
      readonly attempts: number;
      readonly notes: readonly string[];
    }
  | { readonly kind: 'refusal'; readonly message: string; readonly attempts: number; readonly notes: readonly string[] }
  | { readonly kind: 'invalid'; readonly problems: readonly string[]; readonly lastAnswer: string; readonly attempts: number; readonly notes: readonly string[] };

/** True when a server error says it cannot do structured output (so the text format is worth a try). */
export function rejectsStructuredOutput(error: unknown): boolean {
  if (!isTieredError(error, 'server') && !isTieredError(error, 'badResponse')) {
    return false;
  }
  const status = error.details.status;
  const text = `${error.message} ${error.details.serverText ?? ''}`;
  return (status === undefined || status === 400 || status === 422 || status === 501) && /format|schema|grammar|response_format|json/i.test(text);
}

/** Runs one review; see the module comment. Rejects only with the model call's own errors. */
export async function runReview(run: ReviewRun): Promise<ReviewOutcome> {
  const notes: string[] = [];
  let mode = run.mode;
  let layout = run.layout(reviewItems(run.code, run.snippets, mode), explainReviewRenderer);
  const cut = selectionCutNote(layout, run.code.text.split('\n').length);
  if (cut !== undefined) {
    notes.push(cut);
  }
  let attempts = 0;
  const ask = async (messages: readonly ChatMessage[]): Promise<string> => {
    attempts += 1;
    return run.chat(messages, mode === 'json' ? reviewJsonSchema : undefined);
  };

  let answer: string;
  try {
    answer = await ask([{ role: 'user', content: layout.text }]);
  } catch (error) {
    if (mode !== 'json' || !rejectsStructuredOutput(error)) {
      throw error;
    }
    mode = 'text';
    notes.push(`The server does not accept structured output (${error instanceof Error ? error.message : String(error)}); the review used a strict text format instead.`);
    layout = run.layout(reviewItems(run.code, run.snippets, mode), explainReviewRenderer);
    answer = await ask([{ role: 'user', content: layout.text }]);
  }

  let parsed = parseReview(answer);
  if (parsed.kind === 'invalid') {
    // The follow-up goes through the same budget and layout as the first request: the instructions stay first and
    // the invalid answer is quoted only as far as it fits.
    const repairLayout = run.layout(repairItems(run.code, run.snippets, mode, answer, parsed.problems), explainReviewRenderer);
    const repaired = await ask([{ role: 'user', content: repairLayout.text }]);
    const second = parseReview(repaired);
    if (second.kind === 'invalid') {
      return { kind: 'invalid', problems: second.problems, lastAnswer: repaired, attempts, notes };
    }
    answer = repaired;
    parsed = second;
  }
  if (parsed.kind === 'refusal') {
    return { kind: 'refusal', message: parsed.message, attempts, notes };
  }
  const grounding = groundFindings(parsed.answer.findings, { text: run.code.text, startLine: run.code.startLine });
  return { kind: 'review', summary: parsed.answer.summary.trim(), grounding, reported: parsed.answer.findings.length, mode, attempts, notes };
}
