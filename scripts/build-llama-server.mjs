#!/usr/bin/env node
// Builds llama.cpp's `llama-server` (CPU only) from the llama.cpp sources that the npm package
// node-llama-cpp ships as a git bundle, and caches the binary outside the clone:
//   ${XDG_CACHE_HOME:-~/.cache}/tiered/llama-server-<node-llama-cpp version>-<commit>/llama-server
// Re-runs find the cached binary and return at once.
//
// Usage: node scripts/build-llama-server.mjs [--check]
//   Prints the binary's path on stdout (progress goes to stderr).
//   --check       do not build; exit 0 and print the path if a cached binary exists, else exit 1
// Env: TIERED_LLAMA_JOBS (default 2), XDG_CACHE_HOME.
//
// Needs: npm (registry access), git, cmake >= 3.14, a C++17 compiler (g++), make.
//
// GGML_NATIVE=OFF: a native build uses -march=native, and a cached binary restored on another CI
// machine with a different CPU could die with SIGILL. With NATIVE off, ggml enables the portable
// x86-64 baseline SSE4.2/AVX/AVX2/FMA/F16C/BMI2 set, which every current CI runner has.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, copyFileSync, chmodSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const NODE_LLAMA_CPP_VERSION = '3.22.1';

const args = new Set(process.argv.slice(2));
const checkOnly = args.has('--check');
const jobs = process.env.TIERED_LLAMA_JOBS ?? '2';

/** @param {string} msg */
function log(msg) {
  process.stderr.write(`[build-llama-server] ${msg}\n`);
}

/**
 * @param {string} cmd
 * @param {string[]} argv
 * @param {string} [cwd]
 */
function run(cmd, argv, cwd) {
  log(`$ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd, stdio: ['ignore', 2, 2] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status ?? r.signal}`);
}

const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tiered');
const prefix = `llama-server-${NODE_LLAMA_CPP_VERSION}-`;

function findCached() {
  if (!existsSync(cacheRoot)) return undefined;
  for (const name of readdirSync(cacheRoot).sort()) {
    if (!name.startsWith(prefix)) continue;
    const bin = join(cacheRoot, name, 'llama-server');
    if (existsSync(bin) && statSync(bin).isFile()) return bin;
  }
  return undefined;
}

function main() {
  const cached = findCached();
  if (cached) {
    log(`reusing cached binary ${cached}`);
    process.stdout.write(`${cached}\n`);
    return;
  }
  if (checkOnly) {
    log(`no cached llama-server in ${cacheRoot}`);
    process.exitCode = 1;
    return;
  }
  const started = Date.now();
  mkdirSync(cacheRoot, { recursive: true });
  const work = join(cacheRoot, `build-node-llama-cpp-${NODE_LLAMA_CPP_VERSION}`);
  mkdirSync(work, { recursive: true });

  // 1. Fetch the package tarball only (npm pack: no dependencies, no install scripts).
  const pkgDir = join(work, 'package');
  const bundle = join(pkgDir, 'llama', 'gitRelease.bundle');
  if (!existsSync(bundle)) {
    const tgzName = execFileSync('npm', ['pack', `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 2],
    }).trim().split('\n').pop();
    if (!tgzName) throw new Error('npm pack printed no file name');
    run('tar', ['-xzf', join(work, tgzName), '-C', work, 'package/llama/gitRelease.bundle', 'package/llama/llama.cpp.info.json', 'package/package.json']);
    rmSync(join(work, tgzName), { force: true });
  }

  // 2. Clone the bundle at its HEAD commit.
  const heads = execFileSync('git', ['bundle', 'list-heads', bundle], { encoding: 'utf8' });
  const commit = /^([0-9a-f]{40}) HEAD$/m.exec(heads)?.[1] ?? heads.split(/\s/)[0];
  if (!commit || !/^[0-9a-f]{40}$/.test(commit)) throw new Error(`cannot read the bundle's commit from: ${heads}`);
  const shortCommit = commit.slice(0, 7);
  log(`node-llama-cpp ${NODE_LLAMA_CPP_VERSION}: llama.cpp commit ${commit}`);
  const src = join(work, 'llama.cpp');
  if (!existsSync(join(src, 'CMakeLists.txt'))) {
    rmSync(src, { recursive: true, force: true });
    run('git', ['-c', 'advice.detachedHead=false', 'clone', '-q', bundle, src]);
  }
  run('git', ['-c', 'advice.detachedHead=false', 'checkout', '-q', commit], src);

  // 3. Configure and build the llama-server target only.
  const build = join(src, 'build');
  run('cmake', [
    '-S', src, '-B', build,
    '-DCMAKE_BUILD_TYPE=Release',
    '-DBUILD_SHARED_LIBS=OFF',
    '-DGGML_NATIVE=OFF',
    '-DLLAMA_BUILD_UI=OFF',
    '-DLLAMA_USE_PREBUILT_UI=OFF',
    '-DLLAMA_OPENSSL=OFF',
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_BUILD_APP=OFF',
    '-DLLAMA_BUILD_TOOLS=ON',
    '-DLLAMA_BUILD_SERVER=ON',
    '-DGGML_CUDA=OFF', '-DGGML_VULKAN=OFF', '-DGGML_METAL=OFF', '-DGGML_OPENMP=OFF',
  ]);
  run('cmake', ['--build', build, '--config', 'Release', '--target', 'llama-server', '-j', jobs]);
  const built = join(build, 'bin', 'llama-server');
  if (!existsSync(built)) throw new Error(`build finished but ${built} is missing`);

  // 4. Copy into the cache folder atomically (rename of a complete folder).
  const finalDir = join(cacheRoot, `${prefix}${shortCommit}`);
  const tmpDir = `${finalDir}.tmp-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  copyFileSync(built, join(tmpDir, 'llama-server'));
  chmodSync(join(tmpDir, 'llama-server'), 0o755);
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(tmpDir, finalDir);
  const bin = join(finalDir, 'llama-server');
  execFileSync(bin, ['--version'], { stdio: ['ignore', 2, 2] });
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${bin}`);
  // The clone and object files are no longer needed: keep the cache small.
  if (process.env.TIERED_KEEP_LLAMA_BUILD !== '1') rmSync(work, { recursive: true, force: true });
  process.stdout.write(`${bin}\n`);
}

try {
  main();
} catch (err) {
  log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
