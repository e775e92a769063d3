/**
 * File operations that never lose data: atomic replace (temp file + fsync + rename), create-without-clobber,
 * move-without-clobber (also across devices). Node `fs` only; no `vscode`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Thrown when a target file already exists and the operation must not overwrite it. */
export class FileExistsError extends Error {
  override readonly name = 'FileExistsError';
  constructor(readonly file: string) {
    super(`${file} already exists`);
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && codes.includes(error.code);
}

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Flushes a directory entry change to disk where the platform allows it (not on Windows). */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') {
    return;
  }
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: some file systems refuse to sync a directory.
  }
}

/** Writes `data` to a fresh temp file next to `file`, synced to disk; returns its path. */
async function writeTemp(file: string, data: string | Uint8Array, mode?: number): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const handle = await fs.open(temp, 'wx');
  try {
    if (mode !== undefined) {
      await handle.chmod(mode);
    }
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Replaces (or creates) `file` atomically with text (UTF-8) or bytes: readers see the old content or the new, never a mix. A symlink is
 * followed (its target is replaced, the link stays) and the file's permissions are kept.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  let target = file;
  let mode: number | undefined;
  try {
    target = await fs.realpath(file);
    mode = (await fs.stat(target)).mode & 0o7777;
  } catch (error) {
    if (!hasCode(error, 'ENOENT')) {
      throw error;
    }
  }
  const temp = await writeTemp(target, data, mode);
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(path.dirname(target));
}

/**
 * Links `from` to `to` only if `to` does not exist (atomic on POSIX file systems); falls back to check-then-rename
 * where hard links are unsupported. On success `from` is gone.
 */
async function placeNoClobber(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to);
    await fs.rm(from, { force: true });
    return;
  } catch (error) {
    if (hasCode(error, 'EEXIST')) {
      throw new FileExistsError(to);
    }
    if (!hasCode(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EACCES')) {
      throw error;
    }
  }
  if (await exists(to)) {
    throw new FileExistsError(to);
  }
  await fs.rename(from, to);
}

/** Creates `file` with `data`, atomically, failing with {@link FileExistsError} if it exists. */
export async function createFileExclusive(file: string, data: string): Promise<void> {
  const temp = await writeTemp(file, data);
  try {
    await placeNoClobber(temp, file);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDir(path.dirname(file));
}

/**
 * Moves `from` to `to` without overwriting `to` (fails with {@link FileExistsError}). Across devices it copies
 * (synced) and only then removes the source, so a crash leaves two copies, never none.
 */
export async function moveFileNoClobber(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  try {
    await placeNoClobber(from, to);
  } catch (error) {
    if (!hasCode(error, 'EXDEV')) {
      throw error;
    }
    const data = await fs.readFile(from, 'utf8');
    await createFileExclusive(to, data);
    await fs.rm(from);
  }
  await fsyncDir(path.dirname(to));
  await fsyncDir(path.dirname(from));
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) {
      return false;
    }
    throw error;
  }
}
