/**
 * Finds GGUF files the user already has: LM Studio's model folders and llama.cpp's download cache. Used by
 * "Use a GGUF File I Already Have…" to offer them before a file picker. Pure: no `vscode`.
 */
import { readdirSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';

export interface FoundGguf {
  readonly path: string;
  readonly sizeBytes: number;
  /** The folder it was found under (LM Studio, llama.cpp cache). */
  readonly source: string;
}

/** The folders looked at, per platform (`env` and `home` injectable for tests). */
export function ggufFolders(home: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): { dir: string; source: string }[] {
  const out = [
    { dir: join(home, '.lmstudio', 'models'), source: 'LM Studio' },
    { dir: join(home, '.cache', 'lm-studio', 'models'), source: 'LM Studio' },
  ];
  if (env.LLAMA_CACHE !== undefined && env.LLAMA_CACHE !== '') {
    out.push({ dir: env.LLAMA_CACHE, source: 'llama.cpp cache' });
  }
  if (platform === 'darwin') {
    out.push({ dir: join(home, 'Library', 'Caches', 'llama.cpp'), source: 'llama.cpp cache' });
  } else if (platform === 'win32') {
    out.push({ dir: join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'llama.cpp'), source: 'llama.cpp cache' });
  } else {
    out.push({ dir: join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'llama.cpp'), source: 'llama.cpp cache' });
  }
  return out;
}

/**
 * The GGUF files under `folders` (a few levels deep: LM Studio nests publisher/model/file). Vision projectors
 * (`mmproj-*`) and unfinished downloads are left out: neither loads as a model. Missing folders are skipped.
 */
export function scanGgufFiles(folders: readonly { dir: string; source: string }[], maxDepth = 4, limit = 200): FoundGguf[] {
  const found: FoundGguf[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, source: string, depth: number): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (found.length >= limit) {
        return;
      }
      const path = join(dir, e.name);
      if (e.isDirectory() && depth < maxDepth) {
        walk(path, source, depth + 1);
      } else if ((e.isFile() || e.isSymbolicLink()) && /\.gguf$/i.test(e.name) && !/^mmproj/i.test(e.name) && !seen.has(path)) {
        try {
          const st = statSync(path);
          if (st.isFile()) {
            seen.add(path);
            found.push({ path, sizeBytes: st.size, source });
          }
        } catch {
          // A dangling link: not a model.
        }
      }
    }
  };
  for (const f of folders) {
    walk(f.dir, f.source, 0);
  }
  return found;
}
