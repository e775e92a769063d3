/**
 * The gates every context source passes its candidates through before anything reaches a model: chat
 * attachments, the `@` file picker, definitions gathered for Explain/Review, and any later source.
 * Each takes the {@link ExclusionCheck} of the workspace, so the rules live in one place (`sensitiveFiles.ts`).
 * Pure: no `vscode` import.
 */
import { describeRule, plainQuote } from './sensitiveFiles';
import type { Exclusion, ExclusionCheck } from './sensitiveFiles';

/** A candidate that was held back, with the rule that excluded it. */
export interface Withheld<T> {
  readonly item: T;
  readonly path: string;
  readonly exclusion: Exclusion;
}

/** What a gate lets through, and what it held back (for a note to the user, never silently). */
export interface GateResult<T> {
  readonly kept: readonly T[];
  readonly withheld: readonly Withheld<T>[];
}

/**
 * Splits candidates into those that may reach a model and those that may not.
 * @param pathOf the candidate's path (relative to its workspace folder, or absolute); undefined for text with
 *   no file behind it (an untitled buffer), which is kept.
 * @param confirmed true for a candidate the user explicitly chose to send after being asked: it is kept.
 */
export function gate<T>(items: readonly T[], pathOf: (item: T) => string | undefined, check: ExclusionCheck, confirmed: (item: T) => boolean = () => false): GateResult<T> {
  const kept: T[] = [];
  const withheld: Withheld<T>[] = [];
  for (const item of items) {
    const path = pathOf(item);
    const exclusion = path === undefined ? undefined : check(path);
    if (exclusion === undefined || confirmed(item)) {
      kept.push(item);
    } else {
      withheld.push({ item, path: path ?? '', exclusion });
    }
  }
  return { kept, withheld };
}

/** One row of the `@` file picker. */
export interface PickerEntry {
  readonly path: string;
  /** Set when the file is excluded: the picker marks it, and choosing it asks first. */
  readonly exclusion?: Exclusion;
}

/** The picker's rows: every file, the excluded ones marked and listed after the others (so they are never picked by accident). */
export function pickerEntries(paths: readonly string[], check: ExclusionCheck): PickerEntry[] {
  const open: PickerEntry[] = [];
  const marked: PickerEntry[] = [];
  for (const path of paths) {
    const exclusion = check(path);
    if (exclusion === undefined) {
      open.push({ path });
    } else {
      marked.push({ path, exclusion });
    }
  }
  return [...open, ...marked];
}

/** A sentence about what was held back, or undefined when nothing was: "Not sent to the model: `.env` (…)." */
export function withheldNote(withheld: readonly Withheld<unknown>[], what = 'Not sent to the model'): string | undefined {
  if (withheld.length === 0) {
    return undefined;
  }
  const unique = new Map<string, Exclusion>();
  for (const w of withheld) {
    unique.set(w.path, w.exclusion);
  }
  const listed = [...unique].map(([path, exclusion]) => `\`${path}\` (${describeRule(exclusion)})`);
  return `${what}: ${listed.join('; ')}. Tiered never sends excluded files to a model unless you attach one yourself and confirm.`;
}

/** The question asked before an excluded file the user chose explicitly is sent. */
export function confirmQuestion(path: string, exclusion: Exclusion, action: string): string {
  return `${plainQuote(path)} is a sensitive file: it is excluded by ${describeRule(exclusion, plainQuote)}. Tiered does not send it to a model unless you say so. ${action}?`;
}
