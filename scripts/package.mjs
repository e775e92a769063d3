// Builds a production .vsix with @vscode/vsce and checks that it holds only what runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}.vsix`;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

run('node', ['esbuild.mjs', '--production']);
// Dependencies are bundled by esbuild, so node_modules never goes into the package. The universal .vsix carries the
// engine process (dist/engineHost.js) but not node-llama-cpp's binaries: there the engine says it is not available in this build.
run('npx', ['vsce', 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', out]);

// An allow-list that is mistyped fails silently; check the listing.
const listing = execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
const allowed = [/^dist\/extension\.js$/, /^dist\/engineHost\.js$/, /^dist\/tiktoken_bg\.wasm$/, /^dist\/tree-sitter\/tree-sitter(-[a-z-]+)?\.wasm$/, /^dist\/webview\//, /^media\//, /^package(\.nls)?\.json$/, /^README\.md$/, /^CHANGELOG\.md$/, /^LICENSE$/];
const unexpected = listing.filter((f) => !allowed.some((re) => re.test(f)));
for (const needed of ['dist/extension.js', 'dist/engineHost.js', 'dist/tiktoken_bg.wasm', 'dist/tree-sitter/tree-sitter.wasm', 'dist/tree-sitter/tree-sitter-typescript.wasm', 'package.json', 'package.nls.json']) {
  if (!listing.includes(needed)) {
    console.error(`package check: ${needed} is missing from the .vsix`);
    process.exit(1);
  }
}
if (unexpected.length > 0) {
  console.error(`package check: unexpected files in the .vsix:\n  ${unexpected.join('\n  ')}`);
  process.exit(1);
}
console.log(`${out}: ${listing.length} files, ${(fs.statSync(out).size / 1024).toFixed(0)} KB`);
