/**
 * Lists the files of a workspace the index may read: every file under the root that the exclusions let through
 * (symbolic links skipped), relative with `/`, sorted; throttled between folders.
 * Pure: no `vscode` import.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Exclusions } from './exclusions';
import type { Throttle } from './throttle';

/** Every file under `root` that the exclusions let through, relative, with `/`. Rejects when `signal` aborts. */
export async function walkWorkspace(root: string, exclusions: Exclusions, throttle: Throttle, signal?: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  const dirs = [''];
  while (dirs.length > 0) {
    const dir = dirs.pop() ?? '';
    let entries;
    try {
      entries = await readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const relativePath = dir === '' ? entry.name : `${dir}/${entry.name}`;
      // Symbolic links are skipped: they can loop, and the file they point to is indexed where it lives.
      if (entry.isSymbolicLink() || !(entry.isDirectory() || entry.isFile())) {
        continue;
      }
      if (await exclusions.excluded(relativePath, entry.isDirectory())) {
        continue;
      }
      (entry.isDirectory() ? dirs : found).push(relativePath);
    }
    await throttle.pause(signal);
  }
  return found.sort();
}
