/**
 * What a suite run records: per attempt the answer, every check's outcome, every criterion's verdict and the
 * timings; per cell (one case on one model) the pass rate of each check and criterion over the repeats. Runs are
 * stored as plain JSON files (a team can commit them), so reading one back validates it with zod: a file edited
 * by hand or cut mid-write is reported, never trusted. Pure: no `vscode` import.
 */
import { z } from 'zod';
import { taskKindSchema } from '../settings/schema';

const verdictSchema = z.object({ criterion: z.string(), status: z.enum(['pass', 'fail', 'judge-failed']), reason: z.string() });
const checkResultSchema = z.object({ label: z.string(), pass: z.boolean(), detail: z.string() });

const attemptSchema = z.object({
  /** The model's answer (capped at {@link maxStoredAnswerChars}). */
  answer: z.string(),
  checks: z.array(checkResultSchema),
  verdicts: z.array(verdictSchema),
  /** The judge model, when the case has criteria and one was found. */
  judge: z.string().optional(),
  timeToFirstTokenMs: z.number(),
  totalMs: z.number(),
  promptTokens: z.number(),
  generatedTokens: z.number(),
  /** Set when the generation failed (the server died, the model is missing…); the attempt then passes nothing. */
  error: z.string().optional(),
});

const itemStatsSchema = z.object({
  label: z.string(),
  kind: z.enum(['check', 'criterion']),
  passes: z.number(),
  fails: z.number(),
  judgeFailed: z.number(),
});

const cellSchema = z.object({
  caseName: z.string(),
  model: z.string(),
  /** `done`: every attempt produced an answer; `error`: at least one did not (a resume reruns it). */
  status: z.enum(['done', 'error']),
  attempts: z.array(attemptSchema),
  items: z.array(itemStatsSchema),
  /** Passed (attempt, check or criterion) pairs over all pairs; 0 when there are none. */
  passRate: z.number(),
  meanTimeToFirstTokenMs: z.number(),
  meanTotalMs: z.number(),
  totalTokens: z.number(),
  error: z.string().optional(),
});

/** The stored form of a run. */
export const evalRunSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(/^[\w.-]{1,80}$/),
  suite: z.string(),
  /** The kind of task the suite's prompt does (what its results can steer); older runs have none. */
  task: taskKindSchema.optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** `running` until the end; a file still `running` after a crash or reload is an interrupted run to resume. */
  status: z.enum(['running', 'finished', 'cancelled']),
  models: z.array(z.string()),
  cases: z.array(z.string()),
  repeats: z.number().int().positive(),
  cells: z.array(cellSchema),
});

export type AttemptResult = z.infer<typeof attemptSchema>;
export type ItemStats = z.infer<typeof itemStatsSchema>;
export type CellResult = z.infer<typeof cellSchema>;
export type EvalRun = z.infer<typeof evalRunSchema>;

/** Answers longer than this are cut before being stored. */
export const maxStoredAnswerChars = 20_000;

/** A cell's key: case and model. */
export function cellKey(caseName: string, model: string): string {
  return `${caseName}\u0000${model}`;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sums the attempts of one cell into its record. */
export function summarizeCell(caseName: string, model: string, attempts: readonly AttemptResult[]): CellResult {
  const items = new Map<string, ItemStats>();
  const bump = (label: string, kind: ItemStats['kind'], outcome: 'passes' | 'fails' | 'judgeFailed'): void => {
    const key = `${kind}:${label}`;
    const stats = items.get(key) ?? { label, kind, passes: 0, fails: 0, judgeFailed: 0 };
    items.set(key, { ...stats, [outcome]: stats[outcome] + 1 });
  };
  for (const a of attempts) {
    for (const c of a.checks) {
      bump(c.label, 'check', c.pass ? 'passes' : 'fails');
    }
    for (const v of a.verdicts) {
      bump(v.criterion, 'criterion', v.status === 'pass' ? 'passes' : v.status === 'fail' ? 'fails' : 'judgeFailed');
    }
  }
  const list = [...items.values()];
  const total = list.reduce((n, s) => n + s.passes + s.fails + s.judgeFailed, 0);
  const passed = list.reduce((n, s) => n + s.passes, 0);
  const answered = attempts.filter((a) => a.error === undefined);
  const firstError = attempts.find((a) => a.error !== undefined)?.error;
  return {
    caseName,
    model,
    status: firstError === undefined ? 'done' : 'error',
    attempts: [...attempts],
    items: list,
    passRate: total === 0 ? 0 : passed / total,
    meanTimeToFirstTokenMs: mean(answered.map((a) => a.timeToFirstTokenMs)),
    meanTotalMs: mean(answered.map((a) => a.totalMs)),
    totalTokens: attempts.reduce((n, a) => n + a.promptTokens + a.generatedTokens, 0),
    ...(firstError !== undefined ? { error: firstError } : {}),
  };
}

/** Pass rate of one item (check label or criterion) in a cell: passes over attempts; judge failures count against. */
export function itemPassRate(stats: ItemStats): number {
  const n = stats.passes + stats.fails + stats.judgeFailed;
  return n === 0 ? 0 : stats.passes / n;
}
