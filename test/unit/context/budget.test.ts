import * as assert from 'node:assert/strict';
import { chooseNumCtx, computeBudget, numCtxSizes, safetyMargin } from '../../../src/context/budget';
import { seededRandom } from './helpers';

suite('context/budget', () => {
  test('chooseNumCtx picks the smallest standard size that fits', () => {
    assert.equal(chooseNumCtx(100, 32768), 2048);
    assert.equal(chooseNumCtx(2048, 32768), 2048);
    assert.equal(chooseNumCtx(2049, 32768), 4096);
    assert.equal(chooseNumCtx(20_000, 32768), 32768);
  });

  test('chooseNumCtx keeps the loaded window when it fits (no reload), even if a smaller size would do', () => {
    assert.equal(chooseNumCtx(1000, 32768, 8192), 8192);
    assert.equal(chooseNumCtx(8192, 32768, 8192), 8192);
    assert.equal(chooseNumCtx(9000, 32768, 8192), 16384, 'too small: grow');
    assert.equal(chooseNumCtx(1000, 4096, 8192), 2048, 'a loaded window above the model max is ignored');
  });

  test('chooseNumCtx never goes above the model max and always returns a number', () => {
    assert.equal(chooseNumCtx(100_000, 16000), 16000, 'non-standard max used as is');
    assert.equal(chooseNumCtx(100_000, 8192), 8192);
    assert.equal(chooseNumCtx(10, 1024), 1024);
    assert.equal(chooseNumCtx(Number.NaN, 8192), 8192);
    assert.equal(chooseNumCtx(100, Number.NaN), 2048);
    assert.equal(chooseNumCtx(100, 0), 2048);
    const rand = seededRandom(5);
    for (let i = 0; i < 500; i++) {
      const max = Math.floor(rand() * 200_000) + 1;
      const needed = Math.floor(rand() * 200_000);
      const loaded = rand() < 0.5 ? Math.floor(rand() * 140_000) : undefined;
      const n = chooseNumCtx(needed, max, loaded);
      assert.ok(Number.isInteger(n) && n >= 1 && n <= max, `${n} for max ${max}`);
      if (needed <= max) {
        assert.ok(n >= needed, `${n} < needed ${needed}`);
      }
      assert.ok(n === loaded || numCtxSizes.includes(n) || n === max);
    }
  });

  test('computeBudget: loaded window kept, prompt budget = window − reserve − margin', () => {
    const b = computeBudget({ contextLength: 32768, loadedContextLength: 8192, maxContextSetting: 0, answerReserve: 1024 });
    assert.equal(b.numCtx, 8192);
    assert.equal(b.answerReserve, 1024);
    assert.equal(b.promptBudget, 8192 - 1024 - safetyMargin(8192));
    assert.match(b.reason, /loaded window 8192/);
  });

  test('computeBudget: unknown context assumes 4096; the setting caps; the reserve is capped at half', () => {
    const unknown = computeBudget({ contextLength: undefined, maxContextSetting: 0, answerReserve: 512 });
    assert.equal(unknown.numCtx, 4096);
    assert.match(unknown.reason, /unknown/);
    const capped = computeBudget({ contextLength: 131072, maxContextSetting: 4096, answerReserve: 512 });
    assert.equal(capped.numCtx, 4096);
    assert.match(capped.reason, /maxContextTokens/);
    const greedy = computeBudget({ contextLength: 2048, maxContextSetting: 0, answerReserve: 4000 });
    assert.equal(greedy.numCtx, 2048);
    assert.equal(greedy.answerReserve, 1024);
    assert.ok(greedy.promptBudget > 0);
  });

  test('computeBudget with neededTokens grows the window within the caps', () => {
    const small = computeBudget({ contextLength: 131072, maxContextSetting: 0, answerReserve: 1024, neededTokens: 500 });
    assert.equal(small.numCtx, 2048);
    const big = computeBudget({ contextLength: 131072, maxContextSetting: 0, answerReserve: 1024, neededTokens: 20_000 });
    assert.equal(big.numCtx, 32768);
    assert.ok(big.promptBudget >= 20_000);
    const tooBig = computeBudget({ contextLength: 8192, maxContextSetting: 0, answerReserve: 1024, neededTokens: 50_000 });
    assert.equal(tooBig.numCtx, 8192);
    assert.match(tooBig.reason, /trimmed/);
  });

  test('property: the window never exceeds the model or the setting, budget + reserve fit the window', () => {
    const rand = seededRandom(9);
    for (let i = 0; i < 500; i++) {
      const contextLength = rand() < 0.2 ? undefined : Math.floor(rand() * 200_000) + 256;
      const setting = rand() < 0.5 ? 0 : Math.floor(rand() * 100_000);
      const input = {
        contextLength,
        loadedContextLength: rand() < 0.5 ? Math.floor(rand() * 140_000) + 1 : undefined,
        maxContextSetting: setting,
        answerReserve: Math.floor(rand() * 8000) + 16,
        neededTokens: rand() < 0.5 ? Math.floor(rand() * 100_000) : undefined,
      };
      const b = computeBudget(input);
      if (contextLength !== undefined) {
        assert.ok(b.numCtx <= contextLength);
      }
      if (setting > 0) {
        assert.ok(b.numCtx <= Math.max(setting, 1));
      }
      assert.ok(b.promptBudget >= 0 && b.promptBudget + b.answerReserve <= b.numCtx);
      assert.ok(b.reason.length > 0);
    }
  });
});
