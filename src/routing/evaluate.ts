/**
 * Measure the router against a labeled set of requests: accuracy, a confusion matrix and the misroutes,
 * so they can be studied. Used by the router benchmark and its accuracy test. Pure: no `vscode` import.
 */
import { z } from 'zod';
import { taskKindSchema, tierSchema } from '../settings/schema';
import type { Tier } from '../settings/schema';
import type { BorderlineClassifier } from './classify';
import { route } from './router';
import { adviseBorderline } from './smallModelClassifier';
import type { RouteDecision, RouteInput, RouterEnvironment } from './types';

/** One labeled request: a RouteInput plus the tier a careful engineer would pick, and why. */
export const labeledRequestSchema = z.object({
  id: z.string().min(1),
  task: taskKindSchema,
  text: z.string(),
  code: z
    .object({ lines: z.number().int().min(0), chars: z.number().int().min(0), languageId: z.string().optional(), fileCount: z.number().int().min(0) })
    .optional(),
  attempts: z.number().int().min(0).optional(),
  escalate: z.number().int().min(0).optional(),
  tierHint: z.union([tierSchema, z.literal('auto')]).optional(),
  expected: tierSchema,
  note: z.string(),
  /** `dev`: the classifier was tuned on it; `holdout`: written after the classifier was frozen, never tuned on. */
  split: z.enum(['dev', 'holdout']).optional(),
});
export type LabeledRequest = z.infer<typeof labeledRequestSchema>;

/** The labeled-set file: `{ version, requests: [...] }`. */
export const labeledSetSchema = z.object({ version: z.literal(1), requests: z.array(labeledRequestSchema).min(1) });

/** Parse a labeled-set file's JSON (throws a zod error naming the bad entry). */
export function parseLabeledSet(json: unknown): LabeledRequest[] {
  return labeledSetSchema.parse(json).requests;
}

/** A request the router sent to another tier than labeled. */
export interface Misroute {
  readonly id: string;
  readonly expected: Tier;
  readonly got: Tier | 'noModel';
  readonly note: string;
  readonly confidence: number;
  readonly reasons: readonly string[];
}

/** Accuracy figures. */
export interface Evaluation {
  readonly total: number;
  readonly correct: number;
  /** correct / total, 0..1. */
  readonly accuracy: number;
  /** confusion[expected][got]. */
  readonly confusion: Record<Tier, Record<Tier | 'noModel', number>>;
  readonly misroutes: readonly Misroute[];
  /** Mean confidence of the right and of the wrong decisions: a useful confidence is lower when wrong. */
  readonly meanConfidence: { readonly correct: number; readonly misrouted: number };
}

/** Turn a labeled request into the router's input. */
export function toRouteInput(r: LabeledRequest): RouteInput {
  return {
    task: r.task,
    text: r.text,
    ...(r.code !== undefined ? { code: r.code } : {}),
    ...(r.attempts !== undefined ? { attempts: r.attempts } : {}),
    ...(r.escalate !== undefined ? { escalate: r.escalate } : {}),
    ...(r.tierHint !== undefined ? { tierHint: r.tierHint } : {}),
  };
}

/** Route every request in `env` and compare the chosen tier with the label. */
export function evaluateRouter(requests: readonly LabeledRequest[], env: RouterEnvironment): Evaluation {
  return score(requests.map((r) => ({ request: r, decision: route(toRouteInput(r), env) })));
}

/** {@link evaluateRouter} with a borderline classifier asked first, as the extension does, plus how often it was asked. */
export async function evaluateRouterAdvised(
  requests: readonly LabeledRequest[],
  env: RouterEnvironment,
  classifier: BorderlineClassifier,
  source: string,
): Promise<Evaluation & { readonly asked: number; readonly answered: number }> {
  const routed: { request: LabeledRequest; decision: RouteDecision }[] = [];
  let asked = 0;
  let answered = 0;
  for (const r of requests) {
    const advice = await adviseBorderline(toRouteInput(r), env, classifier, source);
    asked += advice.asked ? 1 : 0;
    answered += advice.verdict !== undefined ? 1 : 0;
    routed.push({ request: r, decision: route(advice.input, env) });
  }
  return { ...score(routed), asked, answered };
}

function score(routed: readonly { readonly request: LabeledRequest; readonly decision: RouteDecision }[]): Evaluation {
  const row = (): Record<Tier | 'noModel', number> => ({ small: 0, code: 0, moe: 0, noModel: 0 });
  const confusion: Record<Tier, Record<Tier | 'noModel', number>> = { small: row(), code: row(), moe: row() };
  const misroutes: Misroute[] = [];
  let correct = 0;
  let correctConfidence = 0;
  let wrongConfidence = 0;
  for (const { request: r, decision: d } of routed) {
    const got = d.kind === 'routed' ? d.tier : 'noModel';
    confusion[r.expected][got]++;
    if (got === r.expected) {
      correct++;
      correctConfidence += d.confidence;
    } else {
      wrongConfidence += d.confidence;
      misroutes.push({ id: r.id, expected: r.expected, got, note: r.note, confidence: d.confidence, reasons: d.reasons });
    }
  }
  const mean = (sum: number, n: number): number => (n === 0 ? 0 : Math.round((sum / n) * 100) / 100);
  return {
    total: routed.length,
    correct,
    accuracy: routed.length === 0 ? 0 : correct / routed.length,
    confusion,
    misroutes,
    meanConfidence: { correct: mean(correctConfidence, correct), misrouted: mean(wrongConfidence, misroutes.length) },
  };
}
