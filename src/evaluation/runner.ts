/**
 * Runs a suite: every case on every model (a matrix), each cell repeated for consistency, at most `concurrency`
 * cells at once (one by default: one local model loaded at a time), cancellable. Cells run model by model, so a
 * local server swaps models as little as possible. Finished cells are saved as they finish (see `saveEveryMs`),
 * so a crash or a window reload loses only the cells in flight; resuming an interrupted run skips the cells it finished.
 * A generation that fails (server down, model missing) makes that cell an error and the suite goes on.
 * Pure: no `vscode` import.
 */
import type { GenerationOptions, LlmBackend, ModelInfo } from '../backend/types';
import type { TaskKind } from '../settings/schema';
import { systemClock } from '../util/clock';
import type { Clock } from '../util/clock';
import type { TestCase } from './cases';
import { generateAnswer } from './generate';
import { judgeAnswer } from './judge/runJudge';
import { cellKey, maxStoredAnswerChars, summarizeCell } from './results';
import type { AttemptResult, CellResult, EvalRun } from './results';
import { runIdFor } from './storage';
import type { EvalStore } from './storage';

/** At most this many repeats per cell. */
export const maxRepeats = 20;

/** Progress after each cell. */
export interface SuiteProgress {
  readonly done: number;
  readonly total: number;
  readonly cell: CellResult;
}

/** What to run. */
export interface SuiteRunInput {
  /** The suite's name (the saved prompt's name): runs are stored and compared per suite. */
  readonly suite: string;
  /** The kind of task the suite's prompt does (stored with the run, for suggestions). */
  readonly task?: TaskKind;
  readonly cases: readonly TestCase[];
  readonly models: readonly ModelInfo[];
  /** Attempts per cell (default 1). */
  readonly repeats?: number;
  /** Cells at once (default 1). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** An interrupted run of the same suite: its finished cells are kept, not rerun. */
  readonly resume?: EvalRun;
  readonly onProgress?: (progress: SuiteProgress) => void;
}

/** What the runner uses. */
export interface SuiteRunDeps {
  readonly backendFor: (model: ModelInfo) => LlmBackend;
  /** Every installed model, to choose judges from. */
  readonly installed: readonly ModelInfo[];
  readonly store: EvalStore;
  /** The prompt a case sends (see `casePrompt.ts`). */
  readonly promptFor: (testCase: TestCase) => string;
  readonly clock?: Clock;
  readonly now?: () => Date;
  /** The user's preferred judge. */
  readonly judgeModel?: string;
  /**
   * The run is saved after a finished cell when this long has passed since the last save (default 200 ms), and
   * always at the end. With local models a cell takes seconds, so every cell is saved; with instant cells the
   * writes of the growing file would otherwise dominate. A crash loses at most this window's cells.
   */
  readonly saveEveryMs?: number;
  /** Sampling for the models under test (e.g. a fixed seed). */
  readonly generation?: Pick<GenerationOptions, 'numCtx' | 'numPredict' | 'temperature' | 'seed'>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The attempt of a generation that failed: every check and criterion counts as failed, with the reason. */
function failedAttempt(testCase: TestCase, error: string): AttemptResult {
  const detail = `no answer: ${error}`;
  return {
    answer: '',
    checks: testCase.checks.map((c) => ({ label: c.label, pass: false, detail })),
    verdicts: testCase.rubric.map((criterion) => ({ criterion, status: 'fail', reason: detail })),
    timeToFirstTokenMs: 0,
    totalMs: 0,
    promptTokens: 0,
    generatedTokens: 0,
    error,
  };
}

/** Runs the suite; resolves with the run as stored (finished, or cancelled when the signal aborted). */
export async function runSuite(input: SuiteRunInput, deps: SuiteRunDeps): Promise<EvalRun> {
  const clock = deps.clock ?? systemClock;
  const now = deps.now ?? (() => new Date());
  const repeats = Math.min(maxRepeats, Math.max(1, Math.floor(input.repeats ?? 1)));
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? 1));
  const caseNames = input.cases.map((c) => c.name);
  const modelNames = input.models.map((m) => m.name);

  const resume = input.resume !== undefined && input.resume.suite === input.suite && input.resume.repeats === repeats ? input.resume : undefined;
  const wanted = new Set(input.models.flatMap((m) => caseNames.map((c) => cellKey(c, m.name))));
  const kept = (resume?.cells ?? []).filter((c) => c.status === 'done' && wanted.has(cellKey(c.caseName, c.model)));
  const keptKeys = new Set(kept.map((c) => cellKey(c.caseName, c.model)));
  let run: EvalRun = {
    version: 1,
    id: resume?.id ?? runIdFor(now()),
    suite: input.suite,
    ...(input.task !== undefined ? { task: input.task } : {}),
    startedAt: resume?.startedAt ?? now().toISOString(),
    status: 'running',
    models: modelNames,
    cases: caseNames,
    repeats,
    cells: kept,
  };

  const pending = input.models.flatMap((model) => input.cases.filter((c) => !keptKeys.has(cellKey(c.name, model.name))).map((testCase) => ({ model, testCase })));
  const total = kept.length + pending.length;
  let done = kept.length;

  // One internal signal: the user's cancel, or a failure to save (disk full), stops every worker.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  input.signal?.addEventListener('abort', onAbort, { once: true });
  if (input.signal?.aborted === true) {
    stop.abort();
  }
  const saveEveryMs = deps.saveEveryMs ?? 200;
  let saving: Promise<void> = Promise.resolve();
  let lastSave = -Infinity;
  const save = (snapshot: EvalRun): Promise<void> => {
    lastSave = clock.now();
    return (saving = saving.then(() => deps.store.save(snapshot)));
  };

  const attempt = async (testCase: TestCase, model: ModelInfo): Promise<AttemptResult> => {
    let task: string;
    let answer;
    try {
      task = deps.promptFor(testCase); // a prompt that cannot be built (budget too small…) fails this cell only
      // A fill-in-the-middle case sends the text after the cursor as the suffix (the server's own FIM).
      const suffix = testCase.suffix !== undefined ? { suffix: testCase.suffix } : {};
      answer = await generateAnswer(deps.backendFor(model), { ...deps.generation, model: model.name, prompt: task, ...suffix, signal: stop.signal }, clock);
    } catch (error) {
      if (stop.signal.aborted) {
        throw error;
      }
      return failedAttempt(testCase, message(error));
    }
    const checks = testCase.checks.map((check) => {
      try {
        return { label: check.label, ...check.run(answer.text) };
      } catch (error) {
        return { label: check.label, pass: false, detail: `the check failed: ${message(error)}` };
      }
    });
    const judged = await judgeAnswer(
      { installed: deps.installed, backendFor: deps.backendFor, clock, ...(deps.judgeModel !== undefined ? { preferred: deps.judgeModel } : {}) },
      model.name,
      { task, answer: answer.text, criteria: testCase.rubric },
      stop.signal,
    );
    return {
      answer: answer.text.slice(0, maxStoredAnswerChars),
      checks,
      verdicts: judged.verdicts,
      ...(judged.judge !== undefined ? { judge: judged.judge } : {}),
      timeToFirstTokenMs: answer.timeToFirstTokenMs,
      totalMs: answer.totalMs,
      promptTokens: answer.promptTokens,
      generatedTokens: answer.generatedTokens,
    };
  };

  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      const item = pending[next++];
      if (item === undefined) {
        return;
      }
      const attempts: AttemptResult[] = [];
      try {
        for (let r = 0; r < repeats && !stop.signal.aborted; r++) {
          attempts.push(await attempt(item.testCase, item.model));
        }
      } catch (error) {
        if (!stop.signal.aborted) {
          failure ??= error;
          stop.abort();
        }
        return;
      }
      if (stop.signal.aborted) {
        return; // a cell cut short is not recorded: a resume reruns it whole
      }
      const cell = summarizeCell(item.testCase.name, item.model.name, attempts);
      run = { ...run, cells: [...run.cells, cell] };
      done++;
      try {
        if (clock.now() - lastSave >= saveEveryMs) {
          await save(run);
        }
      } catch (error) {
        failure ??= error;
        stop.abort();
        return;
      }
      input.onProgress?.({ done, total, cell });
    }
  };

  try {
    await save(run);
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, worker));
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) {
    throw failure;
  }
  // Cells in matrix order (model by model, case by case), whatever order they finished in.
  const order = new Map(input.models.flatMap((m, i) => caseNames.map((c, j) => [cellKey(c, m.name), i * caseNames.length + j] as const)));
  const cells = [...run.cells].sort((a, b) => (order.get(cellKey(a.caseName, a.model)) ?? 0) - (order.get(cellKey(b.caseName, b.model)) ?? 0));
  run = { ...run, cells, status: stop.signal.aborted ? 'cancelled' : 'finished', finishedAt: now().toISOString() };
  await save(run);
  return run;
}
