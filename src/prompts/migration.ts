/**
 * Tiered stored prompts as `*.prompt.md` until VS Code 1.100 claimed that suffix for its own "Prompt" language
 * and began checking the front matter with its own rules (a broken Tiered prompt showed 9 of VS Code's problems
 * beside Tiered's 2). Prompts now live as `*.tiered.md` (VS Code 1.100 claims `.prompt.md`, `.instructions.md` and
 * `copilot-instructions.md`; later versions add `.chatmode.md`); this moves the old files over.
 *
 * Safe by construction: a file is only ever moved with a no-clobber link + unlink, so a crash leaves it under its
 * old name, its new name, or both (the same content), never neither. A re-run finishes the job: an old file whose
 * content already sits at its new name is the leftover of an interrupted move and is removed; an old file whose
 * new name holds *different* content moves to the next free name (`name-2.tiered.md`). Nothing else is deleted.
 * Node `fs` only; no `vscode`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileExistsError, moveFileNoClobber } from '../util/atomicFile';
import { legacyPromptFileExtension, promptFileExtension } from './format';

/** What one folder's migration did. */
export interface MigrationResult {
  /** Old files moved to their new names. */
  readonly renamed: readonly { readonly from: string; readonly to: string }[];
  /** Old files removed because the same content was already at their new name (an interrupted earlier run). */
  readonly completed: readonly { readonly from: string; readonly sameAs: string }[];
  /** Old files left where they are, and why (they are still on disk; the next run tries again). */
  readonly failed: readonly { readonly file: string; readonly reason: string }[];
}

/** Whether a file name is an old-style Tiered prompt file (`*.prompt.md`, not a hidden temp file). */
export function isLegacyPromptFileName(name: string): boolean {
  return name.toLowerCase().endsWith(legacyPromptFileExtension) && !name.startsWith('.');
}

/** The new file name for an old one: `fix-bug.prompt.md` → `fix-bug.tiered.md` (`-n` before the suffix for n > 1). */
export function migratedFileName(legacyName: string, n = 1): string {
  const stem = legacyName.slice(0, legacyName.length - legacyPromptFileExtension.length);
  return `${stem}${n > 1 ? `-${n}` : ''}${promptFileExtension}`;
}

/** Maps a path with the old suffix to the new one (other paths unchanged), e.g. for restoring an old trashed file. */
export function withCurrentExtension(file: string): string {
  return isLegacyPromptFileName(path.basename(file)) ? path.join(path.dirname(file), migratedFileName(path.basename(file))) : file;
}

/** Moves every `*.prompt.md` in `dir` to `*.tiered.md`. A missing folder is nothing to do. Never throws. */
export async function migrateLegacyPromptFiles(dir: string): Promise<MigrationResult> {
  const renamed: { from: string; to: string }[] = [];
  const completed: { from: string; sameAs: string }[] = [];
  const failed: { file: string; reason: string }[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return { renamed, completed, failed };
  }
  for (const name of names.filter(isLegacyPromptFileName).sort()) {
    const from = path.join(dir, name);
    try {
      const outcome = await migrateOne(from, name);
      if (outcome === undefined) {
        continue;
      }
      if (outcome.kind === 'renamed') {
        renamed.push({ from, to: outcome.to });
      } else {
        completed.push({ from, sameAs: outcome.to });
      }
    } catch (error) {
      failed.push({ file: from, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { renamed, completed, failed };
}

async function migrateOne(from: string, name: string): Promise<{ kind: 'renamed' | 'completed'; to: string } | undefined> {
  const source = await readIfFile(from);
  if (source === undefined) {
    // Gone meanwhile (another window migrated it) or not a regular file: nothing of ours to move.
    return undefined;
  }
  for (let n = 1; n <= 1000; n++) {
    const to = path.join(path.dirname(from), migratedFileName(name, n));
    try {
      await moveFileNoClobber(from, to);
      return { kind: 'renamed', to };
    } catch (error) {
      if (!(error instanceof FileExistsError || hasCode(error, 'EEXIST'))) {
        throw error;
      }
    }
    const existing = await readIfFile(to);
    if (existing !== undefined && existing.equals(source)) {
      // The content is safe at its new name: the old name is the leftover of an interrupted move.
      await fs.rm(from, { force: true });
      return { kind: 'completed', to };
    }
  }
  throw new Error(`no free ${promptFileExtension} name for ${from}`);
}

async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    const stat = await fs.lstat(file);
    return stat.isFile() ? await fs.readFile(file) : undefined;
  } catch (error) {
    if (hasCode(error, 'ENOENT')) {
      return undefined;
    }
    throw error;
  }
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
