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
