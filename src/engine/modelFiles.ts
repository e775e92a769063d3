/**
 * Which GGUF files the built-in engine serves, and under which names: the files downloaded into the engine's
 * models folder (named after the file, which the downloader names after the catalogue entry) and the files the
 * user picked (setting `tiered.engine.modelFiles`). Pure: no `vscode`.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CatalogueModel } from './catalogue';
import type { EngineModelFile } from './engineBackend';

/** The model name of a GGUF file: its name without `.gguf`. */
export function modelNameOf(path: string): string {
  return basename(path).replace(/\.gguf$/i, '');
}

/** Where a catalogue model is stored in the models folder. */
export function storedPath(modelsDir: string, model: Pick<CatalogueModel, 'name'>): string {
  return join(modelsDir, `${model.name}.gguf`);
}

/**
 * The files the engine serves now. Downloaded files first; a picked file whose name is taken gets `-2`, `-3`...
 * Files that do not exist (moved, or on an unplugged disk) are left out rather than offered and failing later.
 */
export function listEngineModels(modelsDir: string, picked: readonly string[], known: readonly Pick<CatalogueModel, 'name' | 'parameterBillions'>[]): EngineModelFile[] {
  const out: EngineModelFile[] = [];
  const names = new Set<string>();
  const add = (path: string): void => {
    const base = modelNameOf(path);
    let name = base;
    for (let i = 2; names.has(name); i++) {
      name = `${base}-${i}`;
    }
    names.add(name);
    const billions = known.find((k) => k.name === base)?.parameterBillions;
    out.push({ name, path, ...(billions !== undefined ? { parameterBillions: billions } : {}) });
  };
  let downloaded: string[] = [];
  try {
    downloaded = readdirSync(modelsDir).filter((f) => /\.gguf$/i.test(f)).sort();
  } catch {
    // No models folder yet: nothing downloaded.
  }
  for (const f of downloaded) {
    add(join(modelsDir, f));
  }
  for (const p of picked) {
    if (out.some((m) => m.path === p) || !isFile(p)) {
      continue;
    }
    add(p);
  }
  return out;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
