/**
 * Judging one answer against a case's criteria: choose the judge, lay out its prompt, ask it, read its verdicts.
 * Any failure (no second model, the judge's server failing, an unreadable answer) is "judge failed" for the
 * criteria, never a pass. Pure: no `vscode` import.
 */
import type { LlmBackend, ModelInfo } from '../../backend/types';
import { layoutPrompt } from '../../context/layout';
import { approximateCounter } from '../../context/tokenCounter';
import type { Clock } from '../../util/clock';
import { generateAnswer } from '../generate';
import { chooseJudge } from './choose';
import { allFailed, parseJudgeAnswer } from './parse';
import type { Verdict } from './parse';
import { judgeItems, judgeJsonSchema, judgeRenderer } from './prompt';

/** What judging needs from the runner. */
export interface JudgeContext {
  readonly installed: readonly ModelInfo[];
  readonly backendFor: (model: ModelInfo) => LlmBackend;
  readonly clock: Clock;
  /** The user's preferred judge model, if any. */
  readonly preferred?: string;
}

const judgeAnswerTokens = 1024;

/** Judges `answer` to `task` by `underTest` on `criteria`. Rejects only when `signal` aborts. */
export async function judgeAnswer(
  context: JudgeContext,
  underTest: string,
  input: { readonly task: string; readonly answer: string; readonly criteria: readonly string[] },
  signal: AbortSignal,
): Promise<{ readonly judge?: string; readonly verdicts: Verdict[] }> {
  if (input.criteria.length === 0) {
    return { verdicts: [] };
  }
  const choice = chooseJudge(context.installed, underTest, context.preferred);
  if (!choice.ok) {
    return { verdicts: allFailed(input.criteria, choice.reason) };
  }
  const numCtx = Math.min(choice.model.contextLength ?? 8192, 16_384);
  const layout = layoutPrompt(judgeItems(input), Math.max(1024, numCtx - judgeAnswerTokens - 256), approximateCounter(), { render: judgeRenderer });
  try {
    const answer = await generateAnswer(
      context.backendFor(choice.model),
      { model: choice.model.name, prompt: layout.text, numCtx, numPredict: judgeAnswerTokens, temperature: 0, format: judgeJsonSchema, signal },
      context.clock,
    );
    return { judge: choice.model.name, verdicts: parseJudgeAnswer(answer.text, input.criteria) };
  } catch (error) {
    if (signal.aborted) {
      throw error;
    }
    return { judge: choice.model.name, verdicts: allFailed(input.criteria, `the judge ${choice.model.name} failed: ${error instanceof Error ? error.message : String(error)}`) };
  }
}
