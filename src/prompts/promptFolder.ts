/**
 * One folder of prompt files (`*.tiered.md`): the workspace's `.tiered/prompts`, or the user's folder in the
 * extension's global storage. Reading never changes a file; a malformed file stays untouched and comes back as
 * an entry with problems. Old `*.prompt.md` files are moved to the new suffix only by {@link PromptFolder.migrateLegacyFiles}. Writing is atomic, creating never overwrites, deleting moves the file to the trash.
 * Node `fs` only; no `vscode`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createFileExclusive, exists, FileExistsError, moveFileNoClobber, writeFileAtomic } from '../util/atomicFile';
import { legacyPromptFileExtension, maxPromptFileBytes, nameFromFileName, nameKey, parsePromptFile, promptFileExtension, serializePrompt, slugForName } from './format';
import { migrateLegacyPromptFiles, withCurrentExtension } from './migration';
import type { MigrationResult } from './migration';
import type { PromptDefinition, PromptEntry } from './types';

/** Thrown when a prompt of that name already exists in the folder. */
export class PromptNameTakenError extends Error {
  override readonly name = 'PromptNameTakenError';
  constructor(
    readonly promptName: string,
    readonly existingFile: string,
  ) {
    super(`A prompt named "${promptName}" already exists (${existingFile}).`);
  }
}

/** Where deleted prompts go. Shared by every folder; files keep their content, with a note of where they came from. */
export class PromptTrash {
  constructor(
    readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Moves `file` into the trash and returns its new path. Never overwrites an earlier trashed file. */
  async put(file: string): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true });
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const base = path.basename(file);
    for (let n = 1; ; n++) {
      const target = path.join(this.dir, `${stamp}${n > 1 ? `-${n}` : ''}-${base}`);
      try {
        await moveFileNoClobber(file, target);
        // A note for restoring by hand; losing it loses nothing of the prompt.
        await writeFileAtomic(`${target}.origin.json`, `${JSON.stringify({ originalPath: file, deletedAt: this.now().toISOString() }, null, 2)}\n`).catch(() => undefined);
        return target;
      } catch (error) {
        if (!(error instanceof FileExistsError) || n > 1000) {
          throw error;
        }
      }
    }
  }

  /**
   * Puts a trashed prompt back where it came from (per its origin note), or into `fallbackDir` when the note is
   * missing. Never overwrites: when the original path is taken, a free `-restored` name next to it is used.
   * Returns the restored path.
   */
  async restore(trashedFile: string, fallbackDir: string): Promise<string> {
    let original: string | undefined;
    try {
      const note: unknown = JSON.parse(await fs.readFile(`${trashedFile}.origin.json`, 'utf8'));
      if (note !== null && typeof note === 'object' && 'originalPath' in note && typeof note.originalPath === 'string' && path.isAbsolute(note.originalPath)) {
        original = note.originalPath;
      }
    } catch {
      // No note: restore into the fallback folder.
    }
    const base = path.basename(trashedFile).replace(/^[\dT-]+Z(-\d+)?-/, '');
    // A prompt trashed before the rename to `.tiered.md` comes back under the new suffix.
    const target = withCurrentExtension(original ?? path.join(fallbackDir, base));
    const stem = target.slice(0, target.length - promptFileExtension.length);
    for (let n = 0; n < 1000; n++) {
      const candidate = n === 0 ? target : `${stem}-restored${n > 1 ? `-${n}` : ''}${promptFileExtension}`;
      try {
        await moveFileNoClobber(trashedFile, candidate);
        await fs.rm(`${trashedFile}.origin.json`, { force: true });
        return candidate;
      } catch (error) {
        if (!(error instanceof FileExistsError)) {
          throw error;
        }
      }
    }
    throw new Error(`no free name to restore ${trashedFile}`);
  }

  /** Trashed prompt files, newest first. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith(promptFileExtension) || n.endsWith(legacyPromptFileExtension))
      .sort()
      .reverse()
      .map((n) => path.join(this.dir, n));
  }
}

export class PromptFolder {
  constructor(
    readonly dir: string,
    readonly source: 'workspace' | 'user',
    private readonly trash: PromptTrash,
  ) {}

  /** Moves the folder's old `*.prompt.md` files to `*.tiered.md` (crash-safe, never overwrites; see `migration.ts`). */
  migrateLegacyFiles(): Promise<MigrationResult> {
    return migrateLegacyPromptFiles(this.dir);
  }

  /** Every prompt file in the folder, parsed, sorted by name. A missing folder is an empty library. */
  async list(): Promise<PromptEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const files = names.filter((n) => n.toLowerCase().endsWith(promptFileExtension) && !n.startsWith('.')).map((n) => path.join(this.dir, n));
    const entries = await Promise.all(files.map((f) => this.read(f)));
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Reads and parses one file. Unreadable or malformed files come back with problems; nothing is changed on disk. */
  async read(file: string): Promise<PromptEntry> {
    const id = `${this.source}:${file}`;
    const fallback = nameFromFileName(file);
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) {
        return { id, source: this.source, name: fallback, file, problems: [{ file, line: 1, column: 1, message: 'not a regular file', severity: 'error' }] };
      }
      if (stat.size > maxPromptFileBytes) {
        return { id, source: this.source, name: fallback, file, problems: [{ file, line: 1, column: 1, message: `the file is too large (${stat.size} bytes; at most ${maxPromptFileBytes})`, severity: 'error' }] };
      }
      const text = await fs.readFile(file, 'utf8');
      const parsed = parsePromptFile(text, file, fallback);
      return parsed.ok
        ? { id, source: this.source, name: parsed.prompt.name, file, definition: parsed.prompt, problems: parsed.problems }
        : { id, source: this.source, name: fallback, file, problems: parsed.problems };
    } catch (error) {
      return { id, source: this.source, name: fallback, file, problems: [{ file, line: 1, column: 1, message: `cannot read the file: ${error instanceof Error ? error.message : String(error)}`, severity: 'error' }] };
    }
  }

  /** The entry of that name (compared case-insensitively), if any. */
  async findByName(name: string, except?: string): Promise<PromptEntry | undefined> {
    const key = nameKey(name);
    return (await this.list()).find((e) => nameKey(e.name) === key && e.file !== except);
  }

  /** A free file path for a name: `<slug>.tiered.md`, else `<slug>-2.tiered.md`, … */
  async freePathFor(name: string): Promise<string> {
    const slug = slugForName(name);
    for (let n = 1; n < 10_000; n++) {
      const candidate = path.join(this.dir, `${slug}${n > 1 ? `-${n}` : ''}${promptFileExtension}`);
      if (!(await exists(candidate))) {
        return candidate;
      }
    }
    throw new Error(`no free file name for "${name}" in ${this.dir}`);
  }

  /**
   * Creates a new prompt file; fails with {@link PromptNameTakenError} when the name is taken here. Returns the
   * path. `comment` becomes YAML comment lines in the header (help for a new file).
   */
  async create(prompt: PromptDefinition, comment?: string): Promise<string> {
    const taken = await this.findByName(prompt.name);
    if (taken?.file !== undefined) {
      throw new PromptNameTakenError(prompt.name, taken.file);
    }
    const text = serializePrompt(prompt, comment);
    for (let attempt = 0; attempt < 5; attempt++) {
      const file = await this.freePathFor(prompt.name);
      try {
        await createFileExclusive(file, text);
        return file;
      } catch (error) {
        // Someone created that file in between: pick the next free name.
        if (!(error instanceof FileExistsError)) {
          throw error;
        }
      }
    }
    throw new Error(`could not create a file for "${prompt.name}" in ${this.dir}`);
  }

  /** Replaces a prompt file's content atomically (the file keeps its path). */
  async save(file: string, prompt: PromptDefinition): Promise<void> {
    this.assertInside(file);
    const taken = await this.findByName(prompt.name, file);
    if (taken?.file !== undefined) {
      throw new PromptNameTakenError(prompt.name, taken.file);
    }
    await writeFileAtomic(file, serializePrompt(prompt));
  }

  /**
   * Renames a prompt: the file moves to the new name's path without overwriting anything, then its header is
   * rewritten atomically. Only the `name` changes; the rest of the file is kept as parsed. Returns the new path.
   */
  async rename(file: string, newName: string): Promise<string> {
    this.assertInside(file);
    const entry = await this.read(file);
    if (entry.definition === undefined) {
      throw new Error(`${file} is malformed; fix it before renaming (${entry.problems[0]?.message ?? 'unknown problem'})`);
    }
    const taken = await this.findByName(newName, file);
    if (taken?.file !== undefined) {
      throw new PromptNameTakenError(newName, taken.file);
    }
    const renamed: PromptDefinition = { ...entry.definition, name: newName.trim() };
    let target = file;
    if (slugForName(newName) !== slugForName(entry.definition.name)) {
      target = await this.freePathFor(newName);
      await moveFileNoClobber(file, target);
    }
    // The file already holds the old content at the new path: a crash here leaves a valid prompt under the old name.
    await writeFileAtomic(target, serializePrompt(renamed));
    return target;
  }

  /** Moves the prompt file to the trash; returns where it went. */
  async delete(file: string): Promise<string> {
    this.assertInside(file);
    return this.trash.put(file);
  }

  /**
   * Moves a prompt file into another folder (workspace ↔ user). The target must not hold a prompt of that name.
   * The copy is written (synced) before the source is removed. Returns the new path.
   */
  async moveTo(file: string, target: PromptFolder): Promise<string> {
    this.assertInside(file);
    const entry = await this.read(file);
    const name = entry.definition?.name ?? entry.name;
    const taken = await target.findByName(name);
    if (taken?.file !== undefined) {
      throw new PromptNameTakenError(name, taken.file);
    }
    const data = await fs.readFile(file, 'utf8');
    const dest = await target.freePathFor(name);
    await createFileExclusive(dest, data);
    await fs.rm(file);
    return dest;
  }

  private assertInside(file: string): void {
    const rel = path.relative(this.dir, file);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || rel.includes(path.sep)) {
      throw new Error(`${file} is not a prompt file of ${this.dir}`);
    }
  }
}
