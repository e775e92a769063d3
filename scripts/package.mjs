// Builds production .vsix files with @vscode/vsce and checks that each holds only what runs.
//
//   node scripts/package.mjs                      the universal .vsix: no engine binaries (there the built-in engine
//                                                 says it is not available in this build; Ollama and OpenAI-compatible
//                                                 servers work as always)
//   node scripts/package.mjs --target linux-x64   a platform .vsix (`vsce package --target`): the universal files plus
//                                                 node-llama-cpp and this platform's CPU (or Metal) binary package only;
//                                                 a comma list builds several (win32-x64,darwin-arm64,…)
//   node scripts/package.mjs --all                the universal one, then the platform one for this machine
//   node scripts/package.mjs --all-targets        every platform .vsix (scripts/packageTargets.mjs defaultTargets),
//                                                 then the universal one
//   --no-build                                    package dist/ as it is (the UI tests package the build they test)
//   --engine-version <v>                          build with node-llama-cpp <v> and its binaries at <v>, both fetched
//                                                 from the registry (when the installed version's binaries for a
//                                                 target are not published)
//
// A platform .vsix is built in a staging folder (out/vsix-<target>/: the universal package's files plus the engine's
// runtime in dist/node_modules/, where the engine process, dist/engineHost.js, resolves node-llama-cpp first; vsce's
// --no-dependencies leaves only a root node_modules out). The shared dist/ is never touched by it.
// The target's binary package is copied from node_modules when npm installed it here at node-llama-cpp's version
// (this machine's own, and the Linux ones npm installs on Linux); any other is fetched from the registry
// ($npm_config_registry, else registry.npmjs.org) and used only if its sha512 matches the registry's dist.integrity.
// node-llama-cpp ignores a binary package whose version differs from its own, so the versions must be equal.
// The built .vsix is then read back (its zip listing): it must hold its own binaries and no other platform's.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stageRuntime } from './packageRuntime.mjs';
import { defaultTargets, platformListingProblems, sizeLimits, zipEntry, zipEntryNames } from './packageTargets.mjs';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const runtimeDir = path.join('dist', 'node_modules');
const root = path.resolve('.');

/** The files in a built .vsix (its zip listing, without vsce's own manifest entries), as paths in the extension. */
function vsixFiles(out) {
  return zipEntryNames(fs.readFileSync(out))
    .filter((e) => e.startsWith('extension/'))
    .map((e) => e.slice('extension/'.length));
}

function fail(message) {
  console.error(`package check: ${message}`);
  process.exit(1);
}

function check(out, files, { allowRuntime, needed, limit }) {
  // An allow-list that is mistyped fails silently; check the listing.
  const allowed = [/^dist\/extension\.js$/, /^dist\/engineHost\.js$/, /^dist\/tiktoken_bg\.wasm$/, /^dist\/tree-sitter\/tree-sitter(-[a-z-]+)?\.wasm$/, /^dist\/webview\//, /^media\//, /^package(\.nls)?\.json$/, /^README\.md$/i, /^CHANGELOG\.md$/i, /^LICENSE(\.txt)?$/i, ...(allowRuntime ? [/^dist\/node_modules\//] : [])];
  const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
  for (const n of ['dist/extension.js', 'dist/engineHost.js', 'dist/tiktoken_bg.wasm', 'dist/tree-sitter/tree-sitter.wasm', 'dist/tree-sitter/tree-sitter-typescript.wasm', 'package.json', 'package.nls.json', ...needed]) {
    if (!files.includes(n)) {
      fail(`${n} is missing from ${out}`);
    }
  }
  if (unexpected.length > 0) {
    fail(`unexpected files in ${out}:\n  ${unexpected.slice(0, 40).join('\n  ')}`);
  }
  const size = fs.statSync(out).size;
  if (size > limit) {
    fail(`${out} is ${(size / 2 ** 20).toFixed(1)} MB, over its ${(limit / 2 ** 20).toFixed(0)} MB limit`);
  }
  console.log(`${out}: ${files.length} files, ${(size / 2 ** 20).toFixed(1)} MB`);
}

function packageUniversal() {
  fs.rmSync(runtimeDir, { recursive: true, force: true });
  const out = `${pkg.name}-${pkg.version}.vsix`;
  run('npx', ['vsce', 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', out]);
  const files = vsixFiles(out);
  if (files.some((f) => f.startsWith('dist/node_modules/'))) {
    fail('the universal .vsix must not carry engine binaries');
  }
  check(out, files, { allowRuntime: false, needed: [], limit: sizeLimits.universal });
}

async function packageTarget(target, engineVersion) {
  const stage = path.join(root, 'out', `vsix-${target}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  for (const f of ['dist', 'media', 'README.md', 'CHANGELOG.md', 'LICENSE', 'package.nls.json', '.vscodeignore']) {
    fs.cpSync(path.join(root, f), path.join(stage, f), { recursive: true, filter: (src) => !src.startsWith(path.join(root, runtimeDir)) });
  }
  // Built and checked above (esbuild --production); the staged copy has no sources to type-check or lint.
  const { 'vscode:prepublish': _prepublish, ...scripts } = pkg.scripts ?? {};
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`);
  const out = `${pkg.name}-${pkg.version}-${target}.vsix`;
  try {
    const { binaryPackage, packages, version, sources } = await stageRuntime({ root, target, intoDir: path.join(stage, runtimeDir), engineVersion });
    execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--target', target, '--out', path.join(root, out)], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
    // Read back from the .vsix itself, not the staging folder: what users install.
    const files = vsixFiles(out);
    const problems = platformListingProblems(files, target);
    if (problems.length > 0) {
      fail(`${out}: ${problems.join('; ')}`);
    }
    const zip = fs.readFileSync(out);
    const versionIn = (p) => JSON.parse(zipEntry(zip, `extension/dist/node_modules/${p}/package.json`)?.toString('utf8') ?? '{}').version;
    if (versionIn('node-llama-cpp') !== version || versionIn(binaryPackage) !== version) {
      fail(`${out}: node-llama-cpp ${versionIn('node-llama-cpp')} and ${binaryPackage} ${versionIn(binaryPackage)} differ (node-llama-cpp would ignore the binaries)`);
    }
    check(out, files, { allowRuntime: true, needed: ['dist/node_modules/node-llama-cpp/package.json', `dist/node_modules/${binaryPackage}/package.json`], limit: sizeLimits.platform });
    console.log(`${out}: engine runtime of ${packages.length + 1} packages; ${sources.join('; ')}`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (!argv.includes('--no-build')) {
  run('node', ['esbuild.mjs', '--production']);
}
const engineVersion = opt('--engine-version');
const target = opt('--target');
if (target !== undefined) {
  for (const t of target.split(',')) {
    await packageTarget(t.trim(), engineVersion);
  }
} else if (argv.includes('--all') || argv.includes('--all-targets')) {
  const targets = argv.includes('--all-targets') ? defaultTargets : [`${process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`];
  for (const t of targets) {
    await packageTarget(t, engineVersion);
  }
  // Last, so that it is the newest .vsix: the UI tests install the newest one unless TIERED_VSIX says otherwise.
  packageUniversal();
} else {
  packageUniversal();
}
