/**
 * A run next to the previous one: per cell (case × model), the pass rate before and after, so a regression after
 * changing a prompt or a model shows. Pure: no `vscode` import.
 */
import { cellKey } from './results';
import type { EvalRun } from './results';

/** One cell's change. `before` is undefined for a cell the previous run did not have. */
export interface CellChange {
  readonly caseName: string;
  readonly model: string;
  readonly before: number | undefined;
  readonly after: number;
  /** after − before (0 for a new cell). */
  readonly delta: number;
}

/** The comparison. */
export interface RunComparison {
  readonly previousId: string;
  readonly changes: readonly CellChange[];
  /** Cells whose pass rate dropped, worst first. */
  readonly regressions: readonly CellChange[];
  readonly improvements: readonly CellChange[];
}

/** Below this a change is noise (rounding of rates over repeats). */
const epsilon = 1e-9;

/** Compares `current` with `previous` cell by cell (cells that ended in an error are left out). */
export function compareRuns(previous: EvalRun, current: EvalRun): RunComparison {
  const before = new Map(previous.cells.filter((c) => c.status === 'done').map((c) => [cellKey(c.caseName, c.model), c.passRate]));
  const changes: CellChange[] = current.cells
    .filter((c) => c.status === 'done')
    .map((c) => {
      const b = before.get(cellKey(c.caseName, c.model));
      return { caseName: c.caseName, model: c.model, before: b, after: c.passRate, delta: b === undefined ? 0 : c.passRate - b };
    });
  return {
    previousId: previous.id,
    changes,
    regressions: changes.filter((c) => c.delta < -epsilon).sort((a, b) => a.delta - b.delta),
    improvements: changes.filter((c) => c.delta > epsilon).sort((a, b) => b.delta - a.delta),
  };
}
