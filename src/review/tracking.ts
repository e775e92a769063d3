/**
 * Keeping review findings honest while the user edits: a change that touches a finding's lines clears it
 * (its quote may no longer be there), a change above it moves it by the lines added or removed, a change
 * below leaves it alone. Pure: no `vscode` import.
 */
import type { Range } from './representation';

/** A finding's place, by id. */
export interface TrackedRange {
  readonly id: string;
  readonly range: Range;
}

/** One content change: the replaced range (before the change) and the new text. */
export interface TextChange {
  readonly range: Range;
  readonly text: string;
}

/** What a change did to the findings. */
export interface TrackingResult {
  readonly kept: readonly TrackedRange[];
  readonly removed: readonly string[];
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    n += 1;
  }
  return n;
}

/** Applies one change to the tracked ranges. Apply a document's changes one by one, in the order VS Code reports them. */
export function applyChange(tracked: readonly TrackedRange[], change: TextChange): TrackingResult {
  const delta = countNewlines(change.text) - (change.range.end.line - change.range.start.line);
  const kept: TrackedRange[] = [];
  const removed: string[] = [];
  for (const t of tracked) {
    const touches = change.range.start.line <= t.range.end.line && change.range.end.line >= t.range.start.line;
    if (touches) {
      removed.push(t.id);
    } else if (change.range.end.line < t.range.start.line && delta !== 0) {
      kept.push({
        id: t.id,
        range: { start: { line: t.range.start.line + delta, character: t.range.start.character }, end: { line: t.range.end.line + delta, character: t.range.end.character } },
      });
    } else {
      kept.push(t);
    }
  }
  return { kept, removed };
}

/** Applies several changes in order. */
export function applyChanges(tracked: readonly TrackedRange[], changes: readonly TextChange[]): TrackingResult {
  let kept = tracked;
  const removed: string[] = [];
  for (const c of changes) {
    const r = applyChange(kept, c);
    kept = r.kept;
    removed.push(...r.removed);
  }
  return { kept, removed };
}
