/**
 * Which files the index leaves out: anything `.gitignore` rules exclude (the root's and every nested one, read with
 * the `ignore` package, which implements git's rules), the user's `files.exclude` globs, files above a size limit,
 * binary files, version-control and dependency folders, and whatever the sensitive-file rules of the context
 * engine exclude (passed in as a predicate, so the index and the prompts agree on what is secret).
 * Pure: no `vscode` import.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';

export interface ExclusionOptions {
  /** Files larger than this are not indexed. */
  readonly maxFileBytes: number;
  /** Glob patterns such as VS Code's `files.exclude` (`**\/.git`, `**\/*.min.js`), matched as `.gitignore` lines. */
  readonly globs?: readonly string[];
  /** Extra rule, e.g. the sensitive-file rules: true when a workspace-relative path must never be read. */
  readonly isExcluded?: (relativePath: string) => boolean;
}

/** Folders never worth indexing whatever `.gitignore` says. */
const alwaysSkipped = new Set(['.git', '.hg', '.svn', 'node_modules', '.vscode-test', '__pycache__', '.venv', '.tox', '.mypy_cache', '.next', '.nuxt', '.cache', 'target', '.gradle', '.idea']);

export const defaultMaxFileBytes = 1024 * 1024;

export class Exclusions {
  private readonly gitignores = new Map<string, Promise<Ignore | undefined>>();
  private readonly globs: Ignore;

  constructor(private readonly root: string, private readonly options: ExclusionOptions = { maxFileBytes: defaultMaxFileBytes }) {
    this.globs = ignore().add([...(options.globs ?? [])]);
  }

  get maxFileBytes(): number {
    return this.options.maxFileBytes;
  }

  /** True when the workspace-relative path (with `/`) is excluded. `isDirectory` for folders while walking. */
  async excluded(relativePath: string, isDirectory = false): Promise<boolean> {
    const parts = relativePath.split('/');
    if (parts.some((part) => alwaysSkipped.has(part))) {
      return true;
    }
    const testPath = isDirectory ? `${relativePath}/` : relativePath;
    if (this.globs.ignores(testPath) || this.options.isExcluded?.(relativePath) === true) {
      return true;
    }
    // Each folder's .gitignore applies to the paths below it, relative to that folder.
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      const rules = await this.gitignoreOf(dir);
      const below = parts.slice(depth).join('/');
      if (rules !== undefined && rules.ignores(isDirectory ? `${below}/` : below)) {
        return true;
      }
    }
    return false;
  }

  /** Forgets cached `.gitignore` rules (after one of them changed). */
  invalidate(): void {
    this.gitignores.clear();
  }

  private gitignoreOf(dir: string): Promise<Ignore | undefined> {
    let rules = this.gitignores.get(dir);
    if (rules === undefined) {
      rules = readFile(path.join(this.root, dir, '.gitignore'), 'utf8').then(
        (text) => ignore().add(text),
        () => undefined,
      );
      this.gitignores.set(dir, rules);
    }
    return rules;
  }
}

/** True when the bytes look binary (a NUL in the first 8 KB, as git decides). */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}
