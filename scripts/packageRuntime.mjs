// The built-in engine's runtime inside a platform .vsix: node-llama-cpp, what it needs at run time, and one
// platform's binary package (see scripts/package.mjs). Separate from the script so that the packaging test stages a
// real runtime from node_modules and checks what was selected.
import * as fs from 'node:fs';
import * as path from 'node:path';
import semver from 'semver';
import { binaryPackageFor, keepRuntimeDependency, skipRuntimeFile } from './packageTargets.mjs';
import { fetchVerifiedPackage, registryUrl } from './registryPackage.mjs';

/** node-llama-cpp and every package it needs at run time (dependencies, installed optional ones), as paths under node_modules/; no binary package. */
function runtimeClosure(root, target) {
  const seen = new Set();
  const visit = (name, fromDir) => {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        const rel = path.relative(path.join(root, 'node_modules'), candidate);
        if (seen.has(rel)) {
          return;
        }
        seen.add(rel);
        const manifest = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8'));
        for (const dep of Object.keys(manifest.dependencies ?? {})) {
          visit(dep, candidate);
        }
        for (const dep of Object.keys(manifest.optionalDependencies ?? {})) {
          // The binary package is added by stageRuntime (installed or fetched); other platforms' never.
          if (!dep.startsWith('@node-llama-cpp/') && keepRuntimeDependency(dep, target)) {
            visit(dep, candidate);
          }
        }
        return;
      }
      if (dir === path.dirname(dir)) {
        return;
      }
    }
  };
  visit('node-llama-cpp', root);
  return [...seen];
}

/** Removes the files skipRuntimeFile names from a package extracted from a tarball. */
function pruneRuntimeFiles(dir, relPrefix) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = `${relPrefix}/${entry.name}`;
    if (skipRuntimeFile(entry.isDirectory() ? `${rel}/` : rel)) {
      fs.rmSync(full, { recursive: true, force: true });
    } else if (entry.isDirectory()) {
      pruneRuntimeFiles(full, rel);
    }
  }
}

const readVersion = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;

/**
 * Copies node-llama-cpp's runtime for `target` into `intoDir` (the .vsix's dist/node_modules): its closure from
 * `<root>/node_modules` without any per-platform binary package, then the target's binary package, installed or
 * fetched from the registry (sha512-checked). With `engineVersion` other than the installed one, node-llama-cpp
 * itself is fetched at that version too.
 * @param {{ root: string, target: string, intoDir: string, engineVersion?: string, cacheDir?: string }} options
 * @returns {Promise<{ binaryPackage: string, packages: string[], version: string, sources: string[] }>}
 */
export async function stageRuntime({ root, target, intoDir, engineVersion, cacheDir = path.join(root, 'out', 'engine-packages') }) {
  const binaryPackage = binaryPackageFor(target);
  const installedEngine = readVersion(path.join(root, 'node_modules', 'node-llama-cpp'));
  const version = engineVersion ?? installedEngine;
  const packages = runtimeClosure(root, target);
  for (const rel of packages) {
    fs.cpSync(path.join(root, 'node_modules', rel), path.join(intoDir, rel), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const inner = path.relative(path.join(root, 'node_modules'), src).split(path.sep).join('/');
        // Nested node_modules are copied as packages of their own (when in the closure), not wholesale.
        const nested = inner.slice(rel.length + 1);
        return !skipRuntimeFile(inner) && !/^node_modules(\/|$)/.test(nested);
      },
    });
  }
  const sources = [];
  if (version !== installedEngine) {
    const engineDir = path.join(intoDir, 'node-llama-cpp');
    // The installed version's nested node_modules (packages of its closure) stay; the package itself is replaced.
    const nested = path.join(intoDir, '.node-llama-cpp-node_modules');
    const hasNested = fs.existsSync(path.join(engineDir, 'node_modules'));
    if (hasNested) {
      fs.renameSync(path.join(engineDir, 'node_modules'), nested);
    }
    const fetched = await fetchVerifiedPackage('node-llama-cpp', version, engineDir, cacheDir);
    pruneRuntimeFiles(engineDir, 'node-llama-cpp');
    if (hasNested) {
      fs.renameSync(nested, path.join(engineDir, 'node_modules'));
    }
    // Its dependencies are the installed ones (resolved as Node does: nested first): each must satisfy this version's range.
    const deps = JSON.parse(fs.readFileSync(path.join(engineDir, 'package.json'), 'utf8')).dependencies ?? {};
    for (const [dep, range] of Object.entries(deps)) {
      const depDir = [path.join(engineDir, 'node_modules', dep), path.join(intoDir, dep)].find((d) => fs.existsSync(path.join(d, 'package.json')));
      if (depDir === undefined || !semver.satisfies(readVersion(depDir), range)) {
        throw new Error(`node-llama-cpp@${version} needs ${dep}@${range}, which the installed packages do not satisfy; build with the installed version (${installedEngine}).`);
      }
    }
    sources.push(`node-llama-cpp@${version} from ${registryUrl()} (sha512 ${fetched.integrity.slice(7, 19)}…${fetched.cached ? ', cached' : ''})`);
  }
  const installedBinary = path.join(root, 'node_modules', binaryPackage);
  const binaryDir = path.join(intoDir, binaryPackage);
  if (fs.existsSync(path.join(installedBinary, 'package.json')) && readVersion(installedBinary) === version) {
    fs.cpSync(installedBinary, binaryDir, { recursive: true, dereference: true, filter: (src) => !skipRuntimeFile(path.relative(path.join(root, 'node_modules'), src).split(path.sep).join('/')) });
    sources.push(`${binaryPackage}@${version} from node_modules`);
  } else {
    try {
      const fetched = await fetchVerifiedPackage(binaryPackage, version, binaryDir, cacheDir);
      pruneRuntimeFiles(binaryDir, binaryPackage);
      sources.push(`${binaryPackage}@${version} from ${registryUrl()} (${(fetched.bytes / 2 ** 20).toFixed(1)} MB tarball, sha512 ${fetched.integrity.slice(7, 19)}…${fetched.cached ? ', cached' : ''})`);
    } catch (e) {
      const hint = e.newest !== undefined && e.newest !== version ? ` Build it with --engine-version ${e.newest} (node-llama-cpp and its binaries at that version, both from the registry).` : '';
      throw new Error(`${target}: ${e.message}${hint}`);
    }
  }
  return { binaryPackage, packages, version, sources };
}

