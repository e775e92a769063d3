// Builds production .vsix files with @vscode/vsce and checks that each holds only what runs.
//
//   node scripts/package.mjs                      the universal .vsix: no engine binaries (there the built-in engine
//                                                 says it is not available in this build; Ollama and OpenAI-compatible
//                                                 servers work as always)
//   node scripts/package.mjs --target linux-x64   a platform .vsix (`vsce package --target`): the universal files plus
//                                                 node-llama-cpp and this platform's CPU binary package only
//   node scripts/package.mjs --all                the universal one, then the platform one for this machine
//   --no-build                                    package dist/ as it is (the UI tests package the build they test)
//
// A platform .vsix is built in a staging folder (out/vsix-<target>/: the universal package's files plus the engine's
// runtime in dist/node_modules/, where the engine process, dist/engineHost.js, resolves node-llama-cpp first; vsce's
// --no-dependencies leaves only a root node_modules out). The shared dist/ is never touched by it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** vsce target → node-llama-cpp's binary package for it (CPU/Metal builds; the large CUDA/Vulkan ones are left out). */
const binaryPackages = {
  'linux-x64': '@node-llama-cpp/linux-x64',
  'linux-arm64': '@node-llama-cpp/linux-arm64',
  'linux-armhf': '@node-llama-cpp/linux-armv7l',
  'darwin-arm64': '@node-llama-cpp/mac-arm64-metal',
  'darwin-x64': '@node-llama-cpp/mac-x64',
  'win32-x64': '@node-llama-cpp/win-x64',
  'win32-arm64': '@node-llama-cpp/win-arm64',
};
/** Size limits per .vsix (bytes). */
const limits = { universal: 10 * 2 ** 20, platform: 60 * 2 ** 20 };
const runtimeDir = path.join('dist', 'node_modules');
const root = path.resolve('.');

/** node-llama-cpp and every package it needs at run time (dependencies, installed optional ones), as paths under node_modules/. */
function runtimeClosure(binaryPackage) {
  const seen = new Set();
  const visit = (name, fromDir) => {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        const rel = path.relative(path.resolve('node_modules'), path.resolve(candidate));
        if (seen.has(rel)) {
          return;
        }
        seen.add(rel);
        const manifest = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8'));
        for (const dep of Object.keys(manifest.dependencies ?? {})) {
          visit(dep, candidate);
        }
        for (const dep of Object.keys(manifest.optionalDependencies ?? {})) {
          // Of node-llama-cpp's per-platform binaries, only this target's.
          if (!dep.startsWith('@node-llama-cpp/') || dep === binaryPackage) {
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
  visit('node-llama-cpp', path.resolve('.'));
  return [...seen];
}

/** Files of the runtime never needed: llama.cpp's source bundle (only for building from source), maps, types, docs. */
function skipRuntimeFile(rel) {
  return /(^|\/)node-llama-cpp\/llama\/gitRelease\.bundle$/.test(rel) || /\.(map|d\.ts|d\.mts|md|markdown)$/i.test(rel) || /(^|\/)(test|tests|docs|\.github)\//.test(rel);
}

function copyRuntime(target, intoDir) {
  const binaryPackage = binaryPackages[target];
  if (binaryPackage === undefined) {
    throw new Error(`No engine binaries known for target ${target}; known: ${Object.keys(binaryPackages).join(', ')}`);
  }
  if (!fs.existsSync(path.join('node_modules', binaryPackage, 'package.json'))) {
    throw new Error(`${binaryPackage} is not installed here (npm installs only this machine's optional binaries); build the ${target} package on a ${target} machine or CI runner.`);
  }
  const packages = runtimeClosure(binaryPackage);
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
  return { binaryPackage, packages };
}

function listing(cwd = root) {
  return execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
    .split('\n')
    .filter((l) => l.trim() !== '');
}

function check(out, files, { allowRuntime, needed, limit }) {
  // An allow-list that is mistyped fails silently; check the listing.
  const allowed = [/^dist\/extension\.js$/, /^dist\/engineHost\.js$/, /^dist\/tiktoken_bg\.wasm$/, /^dist\/tree-sitter\/tree-sitter(-[a-z-]+)?\.wasm$/, /^dist\/webview\//, /^media\//, /^package(\.nls)?\.json$/, /^README\.md$/, /^CHANGELOG\.md$/, /^LICENSE$/, ...(allowRuntime ? [/^dist\/node_modules\//] : [])];
  const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
  for (const n of ['dist/extension.js', 'dist/engineHost.js', 'dist/tiktoken_bg.wasm', 'dist/tree-sitter/tree-sitter.wasm', 'dist/tree-sitter/tree-sitter-typescript.wasm', 'package.json', 'package.nls.json', ...needed]) {
    if (!files.includes(n)) {
      console.error(`package check: ${n} is missing from ${out}`);
      process.exit(1);
    }
  }
  if (unexpected.length > 0) {
    console.error(`package check: unexpected files in ${out}:\n  ${unexpected.slice(0, 40).join('\n  ')}`);
    process.exit(1);
  }
  const size = fs.statSync(out).size;
  if (size > limit) {
    console.error(`package check: ${out} is ${(size / 2 ** 20).toFixed(1)} MB, over its ${(limit / 2 ** 20).toFixed(0)} MB limit`);
    process.exit(1);
  }
  console.log(`${out}: ${files.length} files, ${(size / 2 ** 20).toFixed(1)} MB`);
}

function packageUniversal() {
  fs.rmSync(runtimeDir, { recursive: true, force: true });
  const out = `${pkg.name}-${pkg.version}.vsix`;
  run('npx', ['vsce', 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', out]);
  const files = listing();
  if (files.some((f) => f.startsWith('dist/node_modules/'))) {
    console.error('package check: the universal .vsix must not carry engine binaries');
    process.exit(1);
  }
  check(out, files, { allowRuntime: false, needed: [], limit: limits.universal });
}

function packageTarget(target) {
  const stage = path.join(root, 'out', `vsix-${target}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  for (const f of ['dist', 'media', 'README.md', 'CHANGELOG.md', 'LICENSE', 'package.nls.json', '.vscodeignore']) {
    fs.cpSync(path.join(root, f), path.join(stage, f), { recursive: true, filter: (src) => !src.startsWith(path.join(root, runtimeDir)) });
  }
  // Built and checked above (esbuild --production); the staged copy has no sources to type-check or lint.
  const { 'vscode:prepublish': _prepublish, ...scripts } = pkg.scripts ?? {};
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`);
  const { binaryPackage, packages } = copyRuntime(target, path.join(stage, runtimeDir));
  const out = `${pkg.name}-${pkg.version}-${target}.vsix`;
  try {
    execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--target', target, '--out', path.join(root, out)], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
    const files = listing(stage);
    const others = files.filter((f) => /^dist\/node_modules\/@node-llama-cpp\//.test(f) && !f.startsWith(`dist/node_modules/${binaryPackage}/`));
    if (others.length > 0) {
      console.error(`package check: ${out} carries another platform's binaries:\n  ${others.slice(0, 10).join('\n  ')}`);
      process.exit(1);
    }
    check(out, files, { allowRuntime: true, needed: ['dist/node_modules/node-llama-cpp/package.json', `dist/node_modules/${binaryPackage}/package.json`], limit: limits.platform });
    console.log(`${out}: engine runtime of ${packages.length} packages, binaries ${binaryPackage}`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (!argv.includes('--no-build')) {
  run('node', ['esbuild.mjs', '--production']);
}
const target = opt('--target');
if (target !== undefined) {
  packageTarget(target);
} else if (argv.includes('--all')) {
  packageTarget(`${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`);
  // Last, so that it is the newest .vsix: the UI tests install the newest one unless TIERED_VSIX says otherwise.
  packageUniversal();
} else {
  packageUniversal();
}
