import * as assert from 'node:assert/strict';
import { checkPromptFits } from '../../../src/onboarding/truncationGuard';

suite('onboarding: truncation guard', () => {
  test('a prompt that fits reports the spare room', () => {
    const r = checkPromptFits({ model: 'm', promptTokens: 3000, contextTokens: 8192, answerReserveTokens: 1024 });
    assert.deepEqual(r, { fits: true, spareTokens: 4168 });
  });

  test('exactly at the limit fits; one token more does not', () => {
    assert.equal(checkPromptFits({ model: 'm', promptTokens: 7168, contextTokens: 8192, answerReserveTokens: 1024 }).fits, true);
    const r = checkPromptFits({ model: 'm', promptTokens: 7169, contextTokens: 8192, answerReserveTokens: 1024 });
    assert.equal(r.fits, false);
    assert.equal(r.fits === false && r.overflowTokens, 1);
  });

  test('the message carries the numbers and the next step', () => {
    const r = checkPromptFits({ model: 'qwen2.5-coder:7b', promptTokens: 9500, contextTokens: 8192, answerReserveTokens: 1024 });
    assert.equal(r.fits, false);
    if (!r.fits) {
      assert.equal(r.overflowTokens, 2332);
      assert.match(r.message, /"qwen2\.5-coder:7b"/);
      assert.match(r.message, /9,500 tokens/);
      assert.match(r.message, /8,192/);
      assert.match(r.message, /1,024 kept for the answer/);
      assert.match(r.message, /2,332 tokens too many/);
      assert.match(r.message, /Configure Tiers/);
    }
  });
});
