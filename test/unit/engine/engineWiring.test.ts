import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackends } from '../../../src/backend/createBackends';
import type { LlmBackend } from '../../../src/backend/types';
import { CATALOGUE } from '../../../src/engine/catalogue';
import { modelsToDownload, parseCatalogueOverride, recommendModels } from '../../../src/engine/catalogueOverride';
import { describeGpu, EngineBackend } from '../../../src/engine/engineBackend';
import { EngineProcess } from '../../../src/engine/engineProcess';
import { ggufFolders, scanGgufFiles } from '../../../src/engine/ggufScan';
import { listEngineModels, storedPath } from '../../../src/engine/modelFiles';
import { defaultSettings } from '../../../src/settings/readSettings';
import { nullLogger } from '../../../src/util/logger';

const GiB = 2 ** 30;
const hash = 'ab'.repeat(32);
const entry = { name: 'tiny-coder', repo: 'tiered/test-models', revision: 'main', file: 'small.gguf', sha256: hash.toUpperCase(), approxBytes: 1_000_000, parameterBillions: 0.01 };

function engineBackend(): EngineBackend {
  // Never started: spawn throws, and these tests only check wiring.
  const process = new EngineProcess({
    spawn: () => {
      throw new Error('not started in this test');
    },
  });
  return new EngineBackend({ process, models: () => [] });
}

suite('built-in engine wiring', () => {
  suite('createBackends', () => {
    test('the engine is an endpoint only when tiered.engine.enabled is on; Ollama users see no change', async () => {
      const engine = engineBackend();
      const off = await createBackends(defaultSettings(), async () => undefined, nullLogger, undefined, engine);
      assert.deepEqual(off.map((b) => b.id), ['ollama']);
      const on = await createBackends({ ...defaultSettings(), 'engine.enabled': true }, async () => undefined, nullLogger, undefined, engine);
      assert.deepEqual(on.map((b) => [b.id, b.kind]), [['ollama', 'ollama'], ['engine', 'engine']]);
      assert.equal(on[1], engine, 'the one engine backend of the window, not a new process per settings change');
      const only = await createBackends({ ...defaultSettings(), 'engine.enabled': true, 'ollama.enabled': false }, async () => undefined, nullLogger, undefined, engine);
      assert.deepEqual(only.map((b) => b.id), ['engine']);
    });

    test('an OpenAI-compatible endpoint named "engine" does not shadow the built-in engine', async () => {
      const engine: LlmBackend = engineBackend();
      const built = await createBackends({ ...defaultSettings(), 'engine.enabled': true, 'ollama.enabled': false, openAiEndpoints: [{ name: 'engine', baseUrl: 'http://127.0.0.1:9' }] }, async () => undefined, nullLogger, undefined, engine);
      assert.deepEqual(built.map((b) => b.kind), ['engine']);
    });
  });

  suite('catalogue override (tiered.engine.catalogue)', () => {
    test('an empty setting keeps the built-in recommendation for the machine', () => {
      const { override, problem } = parseCatalogueOverride({});
      assert.equal(problem, undefined);
      const choices = recommendModels(16 * GiB, override);
      assert.equal(choices.find((c) => c.tier === 'small')?.model?.name, CATALOGUE['16to32'].small?.name);
    });

    test('a valid override replaces the recommendation; one file serving two tiers is downloaded once; hashes are lowercased', () => {
      const { override, problem } = parseCatalogueOverride({ small: entry, code: entry });
      assert.equal(problem, undefined);
      const choices = recommendModels(4 * GiB, override);
      assert.deepEqual(choices.map((c) => [c.tier, c.model?.name]), [['small', 'tiny-coder'], ['code', 'tiny-coder'], ['moe', undefined]]);
      const wanted = modelsToDownload(choices);
      assert.equal(wanted.length, 1);
      assert.equal(wanted[0]?.sha256, hash);
    });

    test('an entry without a sha256, or an unknown tier, makes the whole override ignored with a reason', () => {
      const noHash = parseCatalogueOverride({ small: { ...entry, sha256: undefined } });
      assert.deepEqual(noHash.override, {});
      assert.match(noHash.problem ?? '', /sha256/);
      const badTier = parseCatalogueOverride({ huge: entry });
      assert.deepEqual(badTier.override, {});
      assert.match(badTier.problem ?? '', /huge/);
    });
  });

  suite('model files', () => {
    let dir: string;
    setup(() => {
      dir = mkdtempSync(join(tmpdir(), 'tiered-engine-files-'));
    });
    teardown(() => rmSync(dir, { recursive: true, force: true }));

    test('downloaded files are served under their catalogue name; partial downloads and missing picked files are not', () => {
      const models = join(dir, 'models');
      mkdirSync(models);
      writeFileSync(storedPath(models, { name: 'tiny-coder' }), 'gguf');
      writeFileSync(join(models, 'other.gguf.partial'), 'half');
      const picked = join(dir, 'lm', 'tiny-coder.gguf');
      mkdirSync(join(dir, 'lm'));
      writeFileSync(picked, 'gguf');
      const list = listEngineModels(models, [picked, join(dir, 'gone.gguf')], [entry]);
      assert.deepEqual(
        list.map((m) => [m.name, m.path, m.parameterBillions]),
        [
          ['tiny-coder', join(models, 'tiny-coder.gguf'), 0.01],
          ['tiny-coder-2', picked, 0.01],
        ],
      );
    });

    test('the GGUF scan finds LM Studio and llama.cpp files, skipping vision projectors and partial downloads', () => {
      const home = join(dir, 'home');
      const lm = join(home, '.lmstudio', 'models', 'publisher', 'model');
      mkdirSync(lm, { recursive: true });
      writeFileSync(join(lm, 'coder-Q4_K_M.gguf'), 'x'.repeat(10));
      writeFileSync(join(lm, 'mmproj-coder.gguf'), 'x');
      writeFileSync(join(lm, 'coder.gguf.part'), 'x');
      const cache = join(home, '.cache', 'llama.cpp');
      mkdirSync(cache, { recursive: true });
      writeFileSync(join(cache, 'org_repo_small.gguf'), 'xx');
      symlinkSync(join(cache, 'missing.gguf'), join(cache, 'dangling.gguf'));
      const found = scanGgufFiles(ggufFolders(home, {}, 'linux'));
      assert.deepEqual(
        found.map((f) => [f.path, f.sizeBytes, f.source]),
        [
          [join(lm, 'coder-Q4_K_M.gguf'), 10, 'LM Studio'],
          [join(cache, 'org_repo_small.gguf'), 2, 'llama.cpp cache'],
        ],
      );
    });
  });

  test('Check Connection names the GPU the engine can use, or says it runs on the CPU', () => {
    assert.equal(describeGpu('cpu', []), 'GPU: none usable, runs on the CPU');
    assert.equal(describeGpu('cuda', ['NVIDIA GeForce RTX 4070']), 'GPU: cuda (NVIDIA GeForce RTX 4070)');
  });
});
