// Builds the bundles: the extension (Node, CommonJS), the built-in engine process (Node, CommonJS) and the chat webview (browser, IIFE).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints esbuild's messages in the format of the `$esbuild-watch` problem matcher. */
const problemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) {
        console.log('[watch] build started');
      }
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) {
          console.error(`    ${location.file}:${location.line}:${location.column}:`);
        }
      }
      if (watch) {
        console.log('[watch] build finished');
      }
    });
  },
};

/** @type {import('esbuild').BuildOptions} */
const base = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcherPlugin],
};

const contexts = await Promise.all([
  esbuild.context({
    ...base,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // vscode is provided by the host. tiktoken is bundled; its wasm is copied next to the bundle below.
    external: ['vscode'],
  }),
  // The built-in engine's own process (child_process.fork). node-llama-cpp stays external: it is ESM with native
  // binaries per platform, loaded with a dynamic import that fails cleanly in a build that does not ship it.
  esbuild.context({
    ...base,
    entryPoints: ['src/engine/host/engineMain.ts'],
    outfile: 'dist/engineHost.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['node-llama-cpp'],
  }),
  esbuild.context({
    ...base,
    entryPoints: { chat: 'src/webview/app/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  }),
]);

// tiktoken's loader looks for tiktoken_bg.wasm in the bundle's own folder (__dirname).
fs.mkdirSync('dist', { recursive: true });
fs.copyFileSync('node_modules/tiktoken/tiktoken_bg.wasm', 'dist/tiktoken_bg.wasm');
// tree-sitter's runtime and the grammars the index chunks with (src/index/languages.ts), loaded from dist/tree-sitter.
fs.mkdirSync('dist/tree-sitter', { recursive: true });
for (const name of ['tree-sitter', ...['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'cpp', 'c-sharp'].map((g) => `tree-sitter-${g}`)]) {
  fs.copyFileSync(`node_modules/@vscode/tree-sitter-wasm/wasm/${name}.wasm`, `dist/tree-sitter/${name}.wasm`);
}

if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  const results = await Promise.allSettled(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    process.exit(1);
  }
}
