// Exact token counts from the real server's /tokenize feed the context engine's per-model calibration.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAiBackend } from '../../src/backend/openAiBackend';
import { TokenCalibration, defaultFactorForFamily } from '../../src/context/calibration';
import type { KeyValueStore } from '../../src/context/calibration';
import { approximateCounter } from '../../src/context/tokenCounter';
import { realEnv } from './realEnv';
import { postJson, tokenize } from './serverProbe';
import { retryingFetch } from './socketRetry';

const repo = join(__dirname, '..', '..');

/** Chunks of ~40 lines of a real source file of this repository. */
function chunks(file: string, lines = 40): string[] {
  const all = readFileSync(join(repo, file), 'utf8').split('\n');
  const out: string[] = [];
  for (let i = 0; i + lines <= all.length; i += lines) {
    out.push(all.slice(i, i + lines).join('\n'));
  }
  return out;
}

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get(key: string): unknown {
    return this.data.get(key);
  }
  set(key: string, value: unknown): void {
    this.data.set(key, JSON.parse(JSON.stringify(value)));
  }
}

suite('real engine: /tokenize counts calibrate the context engine', () => {
  test('after learning from real counts, estimates of unseen code are closer to the server than the family default', async () => {
    const env = realEnv();
    const backend = new OpenAiBackend({ id: 'fast', baseUrl: env.small.baseUrl, timeoutMs: 60_000, fetch: retryingFetch });
    const [model] = await backend.listModels();
    const counter = approximateCounter();
    const store = new MemoryStore();
    const calibration = new TokenCalibration(store);

    // Vendored third-party TypeScript (ajv), not our own files: their size must not change under the test.
    const training = chunks('bench/corpus/ajv/lib/core.ts.txt').slice(0, 8);
    const heldOut = chunks('bench/corpus/ajv/lib/compile/codegen/index.ts.txt').slice(0, 6);
    assert.ok(training.length >= 6 && heldOut.length >= 4);

    let used = 0;
    for (const text of training) {
      const exact = await backend.countTokens(model.name, text);
      assert.ok(exact !== undefined && exact > 0);
      if (calibration.observe(model.name, model.family, counter.count(text), exact)) {
        used++;
      }
    }
    assert.equal(used, training.length);
    const factor = calibration.factorFor(model.name, model.family);
    assert.notEqual(factor, defaultFactorForFamily(model.family));

    let calibratedError = 0;
    let defaultError = 0;
    for (const text of heldOut) {
      const exact = (await backend.countTokens(model.name, text)) ?? 0;
      const calibrated = calibration.estimate(model.name, model.family, text, counter).tokens;
      const fallback = Math.ceil(counter.count(text) * defaultFactorForFamily(model.family));
      calibratedError += Math.abs(calibrated - exact) / exact;
      defaultError += Math.abs(fallback - exact) / exact;
    }
    calibratedError /= heldOut.length;
    defaultError /= heldOut.length;
    assert.ok(calibratedError < defaultError, `calibrated ${(calibratedError * 100).toFixed(1)} % vs default ${(defaultError * 100).toFixed(1)} %`);
    assert.ok(calibratedError < 0.2, `calibrated estimate off by ${(calibratedError * 100).toFixed(1)} %`);

    // The learned factor is persisted and read back by a fresh instance.
    const reloaded = new TokenCalibration(store);
    assert.equal(reloaded.factorFor(model.name, model.family), factor);
    assert.equal(reloaded.errorFor(model.name).samples, training.length);
  });

  test('the prompt count a real chat reports (cache_n + prompt_n) is accepted by the calibration', async () => {
    const env = realEnv();
    const backend = new OpenAiBackend({ id: 'fast', baseUrl: env.small.baseUrl, timeoutMs: 60_000, fetch: retryingFetch });
    const [model] = await backend.listModels();
    const counter = approximateCounter();
    const calibration = new TokenCalibration(undefined);
    const text = chunks('bench/corpus/ajv/lib/core.ts.txt')[10];
    let reported = 0;
    // Twice: the second answer is served mostly from the cache, and must still report the whole prompt.
    for (let i = 0; i < 2; i++) {
      for await (const ev of backend.chat({ model: model.name, messages: [{ role: 'user', content: text }], numPredict: 2 })) {
        if (ev.type === 'done') {
          reported = ev.result.metrics.promptTokens;
          if (i === 1) {
            assert.ok(ev.result.metrics.cachedPromptTokens > 0);
          }
        }
      }
    }
    // The whole rendered ChatML prompt plus BOS, whatever part of it came from the cache.
    const { json } = await postJson(`${env.small.baseUrl}/apply-template`, { messages: [{ role: 'user', content: text }] });
    const rendered = await tokenize(env.small.baseUrl, (json as { prompt: string }).prompt, true);
    assert.equal(reported, rendered.length + 1);
    assert.equal(calibration.observe(model.name, model.family, counter.count(text), reported), true);
  });
});
