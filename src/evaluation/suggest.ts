/**
 * From suite results to the router's settings: per task kind, the fastest model that is good enough (its pass rate
 * within a few points of the best model's and above a floor), said the way a user weighs it ("review:
 * qwen2.5-coder:7b passes 92 % of your review cases at 1/4 of qwen3:30b-a3b's time"); then a tier mapping (the
 * quick tier serves inline completions, the code tier the everyday tasks, the MoE tier the most accurate model) and
 * task pins to those tiers. A task no model is good enough for gets no pin, with the reason. Pure: no `vscode` import.
 */
import type { TaskKind, Tier } from '../settings/schema';
import { taskKindSchema, tiers as tierOrder } from '../settings/schema';
import type { EvalRun } from './results';

/** A model's results on one task, over the latest finished run of every suite of that task. */
export interface ModelScore {
  readonly task: TaskKind;
  readonly model: string;
  /** Cells (case × model) counted, errors included (they pass nothing). */
  readonly cells: number;
  /** Mean of the cells' pass rates. */
  readonly passRate: number;
  /** Mean total time per answer over the cells that answered (0 when none did). */
  readonly meanTotalMs: number;
  readonly meanTimeToFirstTokenMs: number;
}

/** What a task should use, and why. */
export interface TaskSuggestion {
  readonly task: TaskKind;
  readonly model: string;
  readonly passRate: number;
  readonly meanTotalMs: number;
  /** The most accurate other model, the yardstick of the sentence. */
  readonly reference?: ModelScore;
  /** The sentence shown to the user. */
  readonly text: string;
}

/** A task nothing is good enough for. */
export interface TaskWithoutSuggestion {
  readonly task: TaskKind;
  readonly text: string;
}

/** One tier's suggested model. */
export interface TierSuggestion {
  readonly tier: Tier;
  readonly model: string;
  readonly reason: string;
}

/** The whole suggestion. */
export interface MappingSuggestion {
  readonly scores: readonly ModelScore[];
  readonly tasks: readonly TaskSuggestion[];
  readonly unsuggested: readonly TaskWithoutSuggestion[];
  /** Only the tiers whose model would change. */
  readonly tiers: readonly TierSuggestion[];
  /** Task → tier name (or model name when no tier holds the model); only pins that would change. */
  readonly pins: Readonly<Partial<Record<TaskKind, string>>>;
  /** Nothing to change: the settings already match. */
  readonly empty: boolean;
}

/** The settings the suggestion starts from. */
export interface CurrentMapping {
  /** Each tier's model setting ('' = automatic). */
  readonly tiers: Readonly<Record<Tier, string>>;
  readonly pins: Readonly<Partial<Record<TaskKind, string>>>;
}

/** How strict "good enough" is. */
export interface SuggestOptions {
  /** No model below this pass rate is suggested (default 0.8). */
  readonly minPassRate?: number;
  /** A model this close to the best pass rate counts as good as it (default 0.05). */
  readonly tolerance?: number;
}

/** The words for each task kind in sentences. */
const taskWords: Readonly<Record<TaskKind, string>> = {
  inlineCompletion: 'completion',
  chat: 'chat',
  explain: 'explain',
  review: 'review',
  savedPrompt: 'saved-prompt',
};

/** The tasks the code tier serves day to day (inline completions go to the quick tier). */
const everydayTasks: readonly TaskKind[] = ['chat', 'explain', 'review', 'savedPrompt'];

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

/** "1/4 of" for big savings, "70 % of" for small ones, "2.5×" when slower. */
function timeRatio(ms: number, referenceMs: number): string {
  if (referenceMs <= 0 || ms <= 0) {
    return 'unknown';
  }
  const ratio = ms / referenceMs;
  if (ratio <= 0.5) {
    return `1/${Math.round(1 / ratio)} of`;
  }
  if (ratio < 1) {
    return `${Math.round(ratio * 100)} % of`;
  }
  return `${ratio < 10 ? ratio.toFixed(1) : Math.round(ratio)}×`;
}

/**
 * Scores every model per task from the given runs (pass the latest finished run of each suite). Runs without a
 * task count as saved prompts. Only models scored on as many cells as the most-scored model of that task are kept:
 * a model that ran half the cases is not compared with one that ran them all.
 */
export function scoreModels(runs: readonly EvalRun[]): ModelScore[] {
  const byTask = new Map<TaskKind, Map<string, { rates: number[]; totals: number[]; firsts: number[] }>>();
  for (const run of runs) {
    const task = run.task ?? 'savedPrompt';
    const models = byTask.get(task) ?? new Map<string, { rates: number[]; totals: number[]; firsts: number[] }>();
    byTask.set(task, models);
    for (const cell of run.cells) {
      const m = models.get(cell.model) ?? { rates: [], totals: [], firsts: [] };
      models.set(cell.model, m);
      m.rates.push(cell.passRate);
      if (cell.status === 'done') {
        m.totals.push(cell.meanTotalMs);
        m.firsts.push(cell.meanTimeToFirstTokenMs);
      }
    }
  }
  const out: ModelScore[] = [];
  for (const task of taskKindSchema.options) {
    const models = byTask.get(task);
    if (models === undefined) {
      continue;
    }
    const most = Math.max(...[...models.values()].map((m) => m.rates.length));
    for (const [model, m] of [...models.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (m.rates.length === most) {
        out.push({ task, model, cells: m.rates.length, passRate: mean(m.rates), meanTotalMs: mean(m.totals), meanTimeToFirstTokenMs: mean(m.firsts) });
      }
    }
  }
  return out;
}

/** A time of 0 means no cell answered: such a model is never "the fastest". */
function speedKey(s: ModelScore): number {
  return s.meanTotalMs > 0 ? s.meanTotalMs : Number.POSITIVE_INFINITY;
}

/** The fastest good-enough model of one task, or why there is none. */
export function suggestForTask(scores: readonly ModelScore[], options: SuggestOptions = {}): TaskSuggestion | TaskWithoutSuggestion | undefined {
  const first = scores[0];
  if (first === undefined) {
    return undefined;
  }
  const task = first.task;
  const minPassRate = options.minPassRate ?? 0.8;
  const tolerance = options.tolerance ?? 0.05;
  const byQuality = [...scores].sort((a, b) => b.passRate - a.passRate || speedKey(a) - speedKey(b) || a.model.localeCompare(b.model));
  const best = byQuality[0] ?? first;
  const word = taskWords[task];
  if (best.passRate < minPassRate) {
    return { task, text: `${word}: no model is good enough yet — the best, ${best.model}, passes ${percent(best.passRate)} of your ${word} cases (at least ${percent(minPassRate)} wanted)` };
  }
  const floor = Math.max(minPassRate, best.passRate - tolerance);
  const eligible = scores.filter((s) => s.passRate >= floor - 1e-9 && s.meanTotalMs > 0);
  const chosen = [...eligible].sort((a, b) => speedKey(a) - speedKey(b) || b.passRate - a.passRate || a.model.localeCompare(b.model))[0] ?? best;
  const reference = byQuality.find((s) => s.model !== chosen.model);
  const count = `${chosen.cells} ${word} case${chosen.cells === 1 ? '' : 's'}`;
  let text = `${word}: ${chosen.model} passes ${percent(chosen.passRate)} of your ${count}`;
  if (reference !== undefined) {
    const ratio = timeRatio(chosen.meanTotalMs, reference.meanTotalMs);
    text += ratio === 'unknown' ? ` (${reference.model}: ${percent(reference.passRate)})` : ` at ${ratio} ${reference.model}'s time (${reference.model}: ${percent(reference.passRate)})`;
  }
  return { task, model: chosen.model, passRate: chosen.passRate, meanTotalMs: chosen.meanTotalMs, ...(reference !== undefined ? { reference } : {}), text };
}

function isSuggestion(s: TaskSuggestion | TaskWithoutSuggestion): s is TaskSuggestion {
  return 'model' in s;
}

/**
 * The suggestion: per task the fastest good-enough model; tiers — the quick tier takes the completion pick, the code
 * tier the model picked for most everyday tasks, the MoE tier the most accurate model overall when it is another
 * one; then each task is pinned to the tier holding its pick (or to the model itself when no tier does).
 */
export function suggestMapping(runs: readonly EvalRun[], current: CurrentMapping, options: SuggestOptions = {}): MappingSuggestion {
  const scores = scoreModels(runs);
  const tasks: TaskSuggestion[] = [];
  const unsuggested: TaskWithoutSuggestion[] = [];
  for (const task of taskKindSchema.options) {
    const s = suggestForTask(
      scores.filter((x) => x.task === task),
      options,
    );
    if (s === undefined) {
      continue;
    }
    if (isSuggestion(s)) {
      tasks.push(s);
    } else {
      unsuggested.push(s);
    }
  }

  const wanted: Partial<Record<Tier, { model: string; reason: string }>> = {};
  const completion = tasks.find((t) => t.task === 'inlineCompletion');
  if (completion !== undefined) {
    wanted.small = { model: completion.model, reason: `fastest good-enough model for completions` };
  }
  const votes = new Map<string, TaskKind[]>();
  for (const t of tasks.filter((x) => everydayTasks.includes(x.task))) {
    votes.set(t.model, [...(votes.get(t.model) ?? []), t.task]);
  }
  const workhorse = [...votes.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0];
  if (workhorse !== undefined) {
    wanted.code = { model: workhorse[0], reason: `fastest good-enough model for ${workhorse[1].map((t) => taskWords[t]).join(', ')}` };
  }
  const overall = new Map<string, number[]>();
  for (const s of scores) {
    overall.set(s.model, [...(overall.get(s.model) ?? []), s.passRate]);
  }
  const taskCount = new Set(scores.map((s) => s.task)).size;
  const strongest = [...overall.entries()]
    .filter(([, rates]) => rates.length === taskCount)
    .map(([model, rates]) => ({ model, rate: mean(rates) }))
    .sort((a, b) => b.rate - a.rate || a.model.localeCompare(b.model))[0];
  // The MoE tier only moves when the results found some model good enough: a run where none is says little.
  if (tasks.length > 0 && strongest !== undefined && strongest.model !== wanted.code?.model && strongest.model !== wanted.small?.model) {
    wanted.moe = { model: strongest.model, reason: `most accurate over all your cases (${percent(strongest.rate)})` };
  }

  const after: Record<Tier, string> = { ...current.tiers };
  const tierChanges: TierSuggestion[] = [];
  for (const tier of tierOrder) {
    const w = wanted[tier];
    if (w !== undefined) {
      after[tier] = w.model;
      if (current.tiers[tier] !== w.model) {
        tierChanges.push({ tier, model: w.model, reason: w.reason });
      }
    }
  }
  const pins: Partial<Record<TaskKind, string>> = {};
  for (const t of tasks) {
    const holder = tierOrder.find((tier) => after[tier] === t.model);
    const pin = holder ?? t.model;
    if ((current.pins[t.task] ?? '') !== pin) {
      pins[t.task] = pin;
    }
  }
  return { scores, tasks, unsuggested, tiers: tierChanges, pins, empty: tierChanges.length === 0 && Object.keys(pins).length === 0 };
}

/** The latest finished run of each suite (runs of one suite sort by id, which is their start time). */
export function latestFinishedRuns(runs: readonly EvalRun[]): EvalRun[] {
  const latest = new Map<string, EvalRun>();
  for (const run of runs) {
    if (run.status !== 'finished') {
      continue;
    }
    const seen = latest.get(run.suite);
    if (seen === undefined || seen.id < run.id) {
      latest.set(run.suite, run);
    }
  }
  return [...latest.values()].sort((a, b) => a.suite.localeCompare(b.suite));
}
