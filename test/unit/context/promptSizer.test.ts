import * as assert from 'node:assert/strict';
import { TokenCalibration, uncalibratedMargin } from '../../../src/context/calibration';
import { coverageOf, messageOverheadTokens, PromptSizer } from '../../../src/context/promptSizer';

/** One token per character: easy numbers. */
const chars = { count: (t: string): number => t.length };
const model = { name: 'tiny', family: 'llama' };

suite('context/promptSizer', () => {
  test('counts with the upper-bound factor: the family guess plus a margin before any observation', () => {
    const sizer = new PromptSizer(new TokenCalibration(undefined), chars);
    assert.equal(sizer.counterFor(model).count('x'.repeat(100)), Math.ceil(100 * 1.15 * (1 + uncalibratedMargin)));
    const messages = [
      { role: 'system' as const, content: 'x'.repeat(10) },
      { role: 'user' as const, content: 'y'.repeat(20) },
    ];
    assert.equal(sizer.messagesTokens(model, messages), Math.ceil(10 * 1.15 * 1.4) + Math.ceil(20 * 1.15 * 1.4) + 2 * messageOverheadTokens);
  });

  test('an uncalibrated model is measured with the server tokenizer once; a calibrated one is not', async () => {
    const calibration = new TokenCalibration(undefined);
    const sizer = new PromptSizer(calibration, chars);
    const asked: string[] = [];
    const tokenize = async (text: string): Promise<number> => {
      asked.push(text);
      return Math.round(text.length * 1.6);
    };
    assert.equal(await sizer.measureIfUncalibrated(model, 'a'.repeat(500), tokenize), true);
    assert.ok(Math.abs(calibration.factorFor('tiny', 'llama') - 1.6) < 1e-9);
    assert.equal(await sizer.measureIfUncalibrated(model, 'a'.repeat(500), undefined), false, 'no tokenizer: nothing to do');
    assert.equal(await sizer.measureIfUncalibrated(model, 'b'.repeat(500), async () => Promise.reject(new Error('404'))), false, 'a failing tokenizer is not an error');
    for (let i = 0; i < 4; i++) {
      await sizer.measureIfUncalibrated(model, 'c'.repeat(400 + i), tokenize);
    }
    const before = asked.length;
    assert.equal(await sizer.measureIfUncalibrated(model, 'd'.repeat(500), tokenize), false);
    assert.equal(asked.length, before, 'calibrated: the server is not asked again');
  });

  test('learns from a follow-up only when the count covers the whole prompt', () => {
    const calibration = new TokenCalibration(undefined);
    const sizer = new PromptSizer(calibration, chars);
    const first = [
      { role: 'system' as const, content: 's'.repeat(300) },
      { role: 'user' as const, content: 'q'.repeat(300) },
    ];
    // The estimate reads the messages joined by line breaks, plus the template's few tokens per message.
    const raw = 601 + 2 * messageOverheadTokens;
    // Ollama, nothing cached yet: the count covers everything.
    assert.equal(sizer.observe(model, first, { promptTokens: Math.round(raw * 1.5), cachedPromptTokens: 0 }, 'evaluated'), true);
    // The follow-up repeats the first prompt: Ollama evaluates only the new turn and reports that.
    const followUp = [...first, { role: 'assistant' as const, content: 'a'.repeat(100) }, { role: 'user' as const, content: 'r'.repeat(100) }];
    assert.equal(sizer.observe(model, followUp, { promptTokens: 320, cachedPromptTokens: 0 }, 'evaluated'), false);
    assert.ok(Math.abs(calibration.factorFor('tiny', 'llama') - 1.5) < 0.01, 'the partial count was not learned');
    // llama-server reports cache_n + prompt_n: the whole prompt, learned even though it came from the cache.
    const raw2 = 803 + 4 * messageOverheadTokens;
    assert.equal(sizer.observe(model, followUp, { promptTokens: Math.round(raw2 * 1.5), cachedPromptTokens: 900 }, 'whole'), true);
    assert.equal(coverageOf('ollama'), 'evaluated');
    assert.equal(coverageOf('openai'), 'whole');
  });
});
