/**
 * The folders an index covers. A single-folder workspace keys its files by their path in the folder (`src/a.ts`);
 * a multi-root workspace by the folder's name and that path (`api/src/a.ts`), as VS Code itself names files of a
 * multi-root workspace, so one index ranks the files of every folder together and a source chip says which folder.
 * Each folder has its own exclusions (its `.gitignore` files, its `files.exclude`, its sensitive-file rules).
 * Pure: no `vscode` import.
 */
import * as path from 'node:path';
import type { Exclusions } from './exclusions';
import type { Throttle } from './throttle';
import { walkWorkspace } from './walk';

/** One folder of the workspace. */
export interface IndexRoot {
  /** The folder's name in keys (see {@link uniqueRootNames}); unused when it is the only folder. */
  readonly name: string;
  /** Absolute path of the folder. */
  readonly path: string;
  readonly exclusions: Exclusions;
}

/** Where an index key points. */
export interface ResolvedKey {
  readonly root: IndexRoot;
  /** Path inside the folder, with `/`. */
  readonly relative: string;
  readonly absolute: string;
}

/**
 * Names usable as the first segment of a key, one per folder: slashes replaced, and a duplicate name (two folders
 * called `app`) numbered `app-2`, `app-3` in order.
 */
export function uniqueRootNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((raw) => {
    const base = raw.replace(/[/\\]/g, '-').trim() || 'folder';
    let name = base;
    for (let n = 2; used.has(name); n++) {
      name = `${base}-${n}`;
    }
    used.add(name);
    return name;
  });
}

export class IndexRoots {
  private readonly single: boolean;

  constructor(readonly roots: readonly IndexRoot[]) {
    if (roots.length === 0) {
      throw new Error('an index needs at least one folder');
    }
    this.single = roots.length === 1;
  }

  /** The key of a path inside one of the folders. */
  keyOf(root: IndexRoot, relative: string): string {
    return this.single ? relative : `${root.name}/${relative}`;
  }

  /** The folder and path a key stands for; undefined for a key of no folder (a folder removed since). */
  resolve(key: string): ResolvedKey | undefined {
    if (this.single) {
      const root = this.roots[0];
      return root === undefined ? undefined : { root, relative: key, absolute: path.join(root.path, key) };
    }
    const slash = key.indexOf('/');
    const root = slash > 0 ? this.roots.find((r) => r.name === key.slice(0, slash)) : undefined;
    const relative = key.slice(slash + 1);
    return root === undefined ? undefined : { root, relative, absolute: path.join(root.path, relative) };
  }

  /** True when the key's folder excludes it (or it belongs to no folder). */
  async excluded(key: string): Promise<boolean> {
    const resolved = this.resolve(key);
    return resolved === undefined || resolved.relative === '' || (await resolved.root.exclusions.excluded(resolved.relative));
  }

  /** Every file of every folder the exclusions let through, as keys, sorted. Rejects when `signal` aborts. */
  async walk(throttle: Throttle, signal?: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    for (const root of this.roots) {
      for (const relative of await walkWorkspace(root.path, root.exclusions, throttle, signal)) {
        keys.push(this.keyOf(root, relative));
      }
    }
    return keys.sort();
  }
}
