/**
 * How the engine process finds a GPU build downloaded into the extension's global storage (gpuVariant.ts):
 * node-llama-cpp looks for `@node-llama-cpp/<platform>-<gpu>` with a dynamic `import()`, which resolves from its own
 * folder only. A module resolve hook, registered before anything else runs in the engine process (`--import`),
 * answers those imports from the storage folder when the normal resolution finds nothing. Everything else resolves
 * as always, and a build packaged with the extension wins over a downloaded one. Pure: no `vscode`.
 */

/** The hook, run in Node's loader thread: self-contained, as a data: URL. */
const resolveHook = `
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
let dir;
export function initialize(data) { dir = data.dir; }
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!/^@node-llama-cpp\\/[a-z0-9-]+$/.test(specifier)) throw e;
    const pkg = join(dir, ...specifier.split('/'));
    if (!existsSync(join(pkg, 'package.json'))) throw e;
    const main = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).main || 'dist/index.js';
    return { url: pathToFileURL(join(pkg, main)).href, shortCircuit: true };
  }
}`;

const dataUrl = (code: string): string => `data:text/javascript,${encodeURIComponent(code)}`;

/**
 * Node options for the engine process so that it resolves node-llama-cpp's GPU builds from `packagesDir` (a
 * `node_modules` folder holding `@node-llama-cpp/<package>`); none without a folder. Needs `module.register`
 * (Node 20.6+; VS Code's Electron has it); without it the engine runs as before, on the builds it carries.
 */
export function gpuPackagesExecArgv(packagesDir: string | undefined): string[] {
  if (packagesDir === undefined) {
    return [];
  }
  const preload = `import * as m from 'node:module'; if (typeof m.register === 'function') m.register(${JSON.stringify(dataUrl(resolveHook))}, { data: { dir: ${JSON.stringify(packagesDir)} } });`;
  return ['--import', dataUrl(preload)];
}
