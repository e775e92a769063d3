/** File helpers shared by the test tiers. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every file below `dir` (absolute paths); an unreadable or missing folder gives none. */
export function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return entries.map((e) => path.join(dir, e)).filter((p) => isFile(p));
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Writes `files` (relative path → text) below `root`, creating their folders. */
export async function writeTree(root: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await fs.promises.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.promises.writeFile(path.join(root, file), text);
  }
}
