/**
 * Per-prompt usage: favorite, run count, last run. Kept apart from the prompt files (so files stay clean and
 * diff-free in git), in a key-value store such as VS Code's `globalState`. Pure: no `vscode` import.
 */
import { z } from 'zod';
import { nameKey } from './format';
import type { PromptEntry } from './types';

/** The storage port; VS Code's `Memento` fits it. */
export interface KeyValueStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** What is recorded about one prompt. */
export interface PromptUsage {
  readonly favorite: boolean;
  readonly count: number;
  /** Epoch milliseconds of the last run; 0 when never run. */
  readonly lastUsed: number;
}

const usageSchema = z.object({
  favorite: z.boolean().catch(false),
  count: z.number().int().min(0).catch(0),
  lastUsed: z.number().min(0).catch(0),
});

const storeSchema = z.object({
  version: z.literal(1),
  prompts: z.array(z.tuple([z.string().max(2000), usageSchema])).max(10_000),
});

const storageKey = 'tiered.promptUsage';
/** Oldest records are dropped beyond this many. */
const maxRecords = 2000;
const none: PromptUsage = { favorite: false, count: 0, lastUsed: 0 };

/**
 * The key stats are filed under: the source, the folder for files (two workspaces may both have a "Review"),
 * and the name, so a renamed file loses its count but an edited one keeps it.
 */
export function usageKey(entry: Pick<PromptEntry, 'source' | 'name' | 'file'>): string {
  if (entry.source === 'builtin' || entry.file === undefined) {
    return `${entry.source}:${nameKey(entry.name)}`;
  }
  const dir = entry.file.replace(/[\\/][^\\/]*$/, '');
  return `${entry.source}:${dir}:${nameKey(entry.name)}`;
}

export class UsageStats {
  private readonly records = new Map<string, PromptUsage>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number = () => Date.now(),
  ) {
    const parsed = storeSchema.safeParse(store.get(storageKey));
    if (parsed.success) {
      for (const [key, usage] of parsed.data.prompts) {
        this.records.set(key, usage);
      }
    }
  }

  get(key: string): PromptUsage {
    return this.records.get(key) ?? none;
  }

  /** Counts one run. */
  async recordRun(key: string): Promise<void> {
    const u = this.get(key);
    await this.set(key, { ...u, count: u.count + 1, lastUsed: this.now() });
  }

  /** Flips the favorite mark; returns the new state. */
  async toggleFavorite(key: string): Promise<boolean> {
    const u = this.get(key);
    await this.set(key, { ...u, favorite: !u.favorite });
    return !u.favorite;
  }

  /** Carries the record over when a prompt is renamed or moved. */
  async move(fromKey: string, toKey: string): Promise<void> {
    const u = this.records.get(fromKey);
    if (u === undefined || fromKey === toKey) {
      return;
    }
    this.records.delete(fromKey);
    await this.set(toKey, u);
  }

  private async set(key: string, usage: PromptUsage): Promise<void> {
    this.records.delete(key);
    this.records.set(key, usage);
    if (this.records.size > maxRecords) {
      // Drop the least recently used non-favorites first.
      const victims = [...this.records.entries()].filter(([, u]) => !u.favorite).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      for (const [k] of victims.slice(0, this.records.size - maxRecords)) {
        this.records.delete(k);
      }
    }
    await this.store.update(storageKey, { version: 1, prompts: [...this.records.entries()] });
  }
}

/** Quick-pick order: favorites first, then most used, then most recent, then by name. */
export function compareForPick(a: { name: string; usage: PromptUsage }, b: { name: string; usage: PromptUsage }): number {
  if (a.usage.favorite !== b.usage.favorite) {
    return a.usage.favorite ? -1 : 1;
  }
  if (a.usage.count !== b.usage.count) {
    return b.usage.count - a.usage.count;
  }
  if (a.usage.lastUsed !== b.usage.lastUsed) {
    return b.usage.lastUsed - a.usage.lastUsed;
  }
  return a.name.localeCompare(b.name);
}
