/**
 * The prompt library: every source merged, with the precedence workspace > user > built-in on a name clash.
 * Each entry knows its source; a hidden one says which source hides it. Pure: no `vscode` import.
 */
import { nameKey } from './format';
import { isUsable, promptSources } from './types';
import type { PromptEntry, PromptSource, UsablePromptEntry } from './types';

/** A read-only view of the library at one moment. */
export interface LibrarySnapshot {
  /** Every entry, grouped by source in precedence order, each group sorted by name. Includes malformed and hidden ones. */
  readonly entries: readonly PromptEntry[];
  /** The prompts that run: usable, not hidden, sorted by name. */
  readonly effective: readonly UsablePromptEntry[];
}

/**
 * Merges the entries of every source. Within a source, the first entry of a name wins (e.g. the first workspace
 * folder); across sources the stronger source wins. Malformed entries never hide anything (they cannot run).
 */
export function mergeSources(bySource: Readonly<Partial<Record<PromptSource, readonly PromptEntry[]>>>): LibrarySnapshot {
  const winner = new Map<string, PromptEntry>();
  const entries: PromptEntry[] = [];
  for (const source of promptSources) {
    const group = [...(bySource[source] ?? [])];
    if (source !== 'builtin') {
      group.sort((a, b) => a.name.localeCompare(b.name));
    }
    for (const entry of group) {
      if (!isUsable(entry)) {
        entries.push(entry);
        continue;
      }
      const key = nameKey(entry.name);
      const first = winner.get(key);
      if (first === undefined) {
        winner.set(key, entry);
        entries.push(entry);
      } else {
        entries.push({ ...entry, shadowedBy: first.source });
      }
    }
  }
  const effective = [...winner.values()].filter(isUsable).sort((a, b) => a.name.localeCompare(b.name));
  return { entries, effective };
}

/** The effective prompt of that name, compared case-insensitively. */
export function findPrompt(snapshot: LibrarySnapshot, name: string): UsablePromptEntry | undefined {
  const key = nameKey(name);
  return snapshot.effective.find((e) => nameKey(e.name) === key);
}

/** A name not used by any entry of the given list: `base`, `base (2)`, `base (3)`… */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const keys = new Set([...taken].map(nameKey));
  if (!keys.has(nameKey(base))) {
    return base;
  }
  const stem = base.replace(/\s*\(\d+\)$/, '');
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})`;
    if (!keys.has(nameKey(candidate))) {
      return candidate;
    }
  }
}
