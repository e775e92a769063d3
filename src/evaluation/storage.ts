/**
 * Where runs are kept: an interface, so the runner stays pure and testable, with a file implementation that writes
 * plain JSON under `.tiered/evals/<suite>/<run id>.json` (a team can commit them) through crash-safe atomic
 * replaces, and an in-memory one. A stored file that does not read back (hand-edited, cut, hostile) is reported
 * by `list` and skipped. Pure: no `vscode` import (Node `fs` only).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { slugForName } from '../prompts/format';
import { writeFileAtomic } from '../util/atomicFile';
import { evalRunSchema } from './results';
import type { EvalRun } from './results';

/** A stored run that could not be read, and why. */
export interface UnreadableRun {
  readonly id: string;
  readonly message: string;
}

/** What a suite's store holds. Runs are listed oldest first (ids sort by start time). */
export interface StoredRuns {
  readonly runs: readonly EvalRun[];
  readonly unreadable: readonly UnreadableRun[];
}

/** Keeps runs. */
export interface EvalStore {
  list(suite: string): Promise<StoredRuns>;
  /** Writes (or replaces) a run; called after every finished cell, so a crash loses at most the running cells. */
  save(run: EvalRun): Promise<void>;
}

/** A run id from its start time, sortable: `2026-12-07T17-45-00-123Z`. */
export function runIdFor(start: Date): string {
  return start.toISOString().replace(/:/g, '-');
}

/** Runs in `.tiered/evals/` of a workspace folder (pass the `evals` folder itself). */
export class FileEvalStore implements EvalStore {
  constructor(private readonly root: string) {}

  /** The folder name of a suite's runs. */
  folderName(suite: string): string {
    return slugForName(suite);
  }

  private folder(suite: string): string {
    return path.join(this.root, this.folderName(suite));
  }

  async list(suite: string): Promise<StoredRuns> {
    return this.listFolder(this.folderName(suite));
  }

  /** The suite folders present (each may hold runs), sorted. */
  async folders(): Promise<string[]> {
    try {
      const entries = await fs.readdir(this.root, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  /** The runs in one suite folder (see {@link folders}). */
  async listFolder(folderName: string): Promise<StoredRuns> {
    const folder = path.join(this.root, folderName);
    let names: string[];
    try {
      names = await fs.readdir(folder);
    } catch {
      return { runs: [], unreadable: [] };
    }
    const runs: EvalRun[] = [];
    const unreadable: UnreadableRun[] = [];
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
      const id = name.slice(0, -'.json'.length);
      try {
        const parsed = evalRunSchema.safeParse(JSON.parse(await fs.readFile(path.join(folder, name), 'utf8')));
        if (parsed.success) {
          runs.push(parsed.data);
        } else {
          unreadable.push({ id, message: `not a Tiered evaluation run: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim() });
        }
      } catch (error) {
        unreadable.push({ id, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return { runs, unreadable };
  }

  async save(run: EvalRun): Promise<void> {
    await writeFileAtomic(path.join(this.folder(run.suite), `${run.id}.json`), `${JSON.stringify(run, null, 1)}\n`);
  }
}

/** Runs kept in memory (copies, so a caller's later changes never leak in). */
export class MemoryEvalStore implements EvalStore {
  private readonly runs = new Map<string, EvalRun>();
  saves = 0;

  list(suite: string): Promise<StoredRuns> {
    const runs = [...this.runs.values()].filter((r) => r.suite === suite).sort((a, b) => a.id.localeCompare(b.id));
    return Promise.resolve({ runs: runs.map((r) => structuredClone(r)), unreadable: [] });
  }

  save(run: EvalRun): Promise<void> {
    this.saves++;
    this.runs.set(`${run.suite}\u0000${run.id}`, structuredClone(run));
    return Promise.resolve();
  }
}

/** The newest run left `running` (interrupted by a crash or a reload) or cancelled: the one to resume. */
export function resumableRun(stored: StoredRuns): EvalRun | undefined {
  const last = stored.runs[stored.runs.length - 1];
  return last !== undefined && last.status !== 'finished' ? last : undefined;
}

/** The newest finished run other than `exceptId`: what a new run is compared with. */
export function previousFinishedRun(stored: StoredRuns, exceptId?: string): EvalRun | undefined {
  return [...stored.runs].reverse().find((r) => r.status === 'finished' && r.id !== exceptId);
}
