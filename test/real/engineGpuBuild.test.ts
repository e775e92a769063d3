// A llama.cpp build downloaded on first use (the engine's CUDA/Vulkan builds, src/engine/gpuVariant.ts) is found by the
// real engine process from global storage. No GPU here, so the CPU build stands in for it: the engine's runtime is
// staged as in a platform .vsix (scripts/packageRuntime.mjs), its binary package is moved out to a "global storage"
// folder, and the production engine bundle must load it from there only when forkEngine is given that folder.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { isTieredError } from '../../src/backend/errors';
import { EngineBackend } from '../../src/engine/engineBackend';
import { EngineProcess } from '../../src/engine/engineProcess';
import { forkEngine } from '../../src/engine/forkEngine';
import { realEnv } from './realEnv';

const repo = join(__dirname, '..', '..');
// Outside the repository: inside it, Node would find the binary packages of the repository's own node_modules.
const base = mkdtempSync(join(tmpdir(), 'tiered-gpu-build-'));
const extensionDist = join(base, 'extension', 'dist');
const storage = join(base, 'storage', 'node_modules');

interface StageRuntime {
  stageRuntime(options: { root: string; target: string; intoDir: string }): Promise<{ binaryPackage: string }>;
}

function backend(gpuPackagesDir: string | undefined): { backend: EngineBackend; process: EngineProcess; log: string[] } {
  const env = realEnv();
  const log: string[] = [];
  const process = new EngineProcess({
    spawn: () => forkEngine({ script: join(extensionDist, 'engineHost.js'), gpu: 'off', threads: 1, gpuPackagesDir, onStderr: (l) => log.push(`stderr: ${l}`) }),
    log: (l) => log.push(l),
  });
  return { backend: new EngineBackend({ process, models: () => [{ name: 'small', path: env.small.modelPath }] }), process, log };
}

suite('real engine: a llama.cpp build downloaded into global storage is used by the engine process', function () {
  this.timeout(180_000);

  suiteSetup(async () => {
    const mod: unknown = await import(join(repo, 'scripts', 'packageRuntime.mjs'));
    const { stageRuntime } = mod as StageRuntime;
    const target = `${process.platform}-${process.arch}`;
    const { binaryPackage } = await stageRuntime({ root: repo, target, intoDir: join(extensionDist, 'node_modules') });
    mkdirSync(join(storage, '@node-llama-cpp'), { recursive: true });
    cpSync(join(extensionDist, 'node_modules', binaryPackage), join(storage, binaryPackage), { recursive: true });
    rmSync(join(extensionDist, 'node_modules', '@node-llama-cpp'), { recursive: true, force: true });
    await esbuild.build({ entryPoints: [join(repo, 'src/engine/host/engineMain.ts')], outfile: join(extensionDist, 'engineHost.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['node-llama-cpp'], logLevel: 'silent' });
  });

  suiteTeardown(() => rmSync(base, { recursive: true, force: true }));

  test('without the folder the engine finds no binary and says so; with it, it loads the build and fills in the middle', async () => {
    assert.deepEqual(readdirSync(join(extensionDist, 'node_modules')).filter((d) => d === '@node-llama-cpp'), [], 'the staged extension carries no binary');
    const without = backend(undefined);
    try {
      await assert.rejects(without.backend.countTokens('small', 'x'), (e: unknown) => isTieredError(e) && /no usable llama\.cpp binary/.test(e.message));
    } finally {
      without.process.dispose();
    }
    const withBuild = backend(storage);
    try {
      const count = await withBuild.backend.countTokens('small', 'function add(a, b) {');
      assert.ok(count !== undefined && count > 0, String(count));
      let text = '';
      for await (const e of withBuild.backend.generate({ model: 'small', prompt: 'function add(a: number, b: number) {\n  return ', suffix: ';\n}\n', numPredict: 6, temperature: 0 })) {
        if (e.type === 'done') {
          text = e.result.text;
        }
      }
      assert.ok(text.length > 0, withBuild.log.join('\n'));
    } finally {
      withBuild.process.dispose();
    }
  });
});
