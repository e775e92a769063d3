/**
 * For the engine benches: a folder whose `node_modules` resolves like the repo's, optionally with node-llama-cpp's
 * linux-x64 CPU variants limited to some (a temporary copy of the two packages, everything else symlinked). ggml
 * loads the CPU variant it scores best among the `libggml-cpu-*.so` files next to the addon, and node-llama-cpp has
 * no option to choose one, so a script (or the bundled engine) placed in this folder gets the variants kept here.
 */
import { cpSync, mkdirSync, readdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const repoNodeModules = join(__dirname, '..', 'node_modules');

/** The CPU variants of the x86-64 AVX2 baseline and older: what llama-server is built with here (GGML_NATIVE=OFF). */
export function avx2Only(variant: string): boolean {
  return !/zen4|skylakex|icelake|cascadelake|cooperlake|cannonlake|sapphirerapids|avx512/.test(variant);
}

/** Makes `dir` (it must not exist) and returns it; `keep` undefined: node-llama-cpp as installed. */
export function nodeLlamaCppDir(dir: string, keep: ((variant: string) => boolean) | undefined): string {
  const nm = join(dir, 'node_modules');
  mkdirSync(nm, { recursive: true });
  for (const entry of readdirSync(repoNodeModules)) {
    if (keep === undefined || (entry !== 'node-llama-cpp' && entry !== '@node-llama-cpp')) {
      symlinkSync(join(repoNodeModules, entry), join(nm, entry));
    }
  }
  if (keep !== undefined) {
    mkdirSync(join(nm, '@node-llama-cpp'));
    cpSync(join(repoNodeModules, 'node-llama-cpp'), join(nm, 'node-llama-cpp'), { recursive: true });
    cpSync(join(repoNodeModules, '@node-llama-cpp', 'linux-x64'), join(nm, '@node-llama-cpp', 'linux-x64'), { recursive: true });
    const bins = join(nm, '@node-llama-cpp', 'linux-x64', 'bins', 'linux-x64');
    for (const file of readdirSync(bins)) {
      const variant = /^libggml-cpu-([\w-]+)\.so$/.exec(file)?.[1];
      if (variant !== undefined && !keep(variant)) {
        unlinkSync(join(bins, file));
      }
    }
  }
  return dir;
}
