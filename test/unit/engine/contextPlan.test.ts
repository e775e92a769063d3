import * as assert from 'node:assert/strict';
import { commonPrefixLength, CONTEXT_STEP, DEFAULT_ANSWER_TOKENS, planContext } from '../../../src/engine/contextPlan';

const base = { trainContextSize: 8192, currentContextSize: 0, numCtx: undefined, maxTokens: undefined };

suite('engine context plan', () => {
  test('sizes a new context to prompt + answer, rounded up to the step', () => {
    assert.deepEqual(planContext({ ...base, promptTokens: 600, maxTokens: 100 }), { ok: true, contextSize: 2 * CONTEXT_STEP, maxTokens: 100, reuse: false });
    assert.deepEqual(planContext({ ...base, promptTokens: 10 }), { ok: true, contextSize: 1024, maxTokens: DEFAULT_ANSWER_TOKENS, reuse: false });
  });

  test('reuses the current context (and its KV cache) when it holds prompt + answer, else grows it', () => {
    assert.deepEqual(planContext({ ...base, promptTokens: 300, maxTokens: 100, currentContextSize: 512 }), { ok: true, contextSize: 512, maxTokens: 100, reuse: true });
    const grown = planContext({ ...base, promptTokens: 500, maxTokens: 100, currentContextSize: 512 });
    assert.deepEqual(grown, { ok: true, contextSize: 1024, maxTokens: 100, reuse: false });
  });

  test('num_ctx: the answer gets what the prompt leaves, and a prompt that does not fit is refused with the numbers', () => {
    assert.deepEqual(planContext({ ...base, promptTokens: 1000, numCtx: 4096 }), { ok: true, contextSize: 4096, maxTokens: 3096, reuse: false });
    const refused = planContext({ ...base, promptTokens: 4000, maxTokens: 200, numCtx: 4096 });
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.equal(refused.promptTokens, 4000);
      assert.equal(refused.contextTokens, 4096);
      assert.match(refused.reason, /4000 prompt tokens \+ 200 answer tokens do not fit the requested context of 4096/);
    }
  });

  test("never goes past the model's trained context, even when num_ctx asks for more", () => {
    assert.deepEqual(planContext({ ...base, promptTokens: 100, maxTokens: 10, numCtx: 100000 }), { ok: true, contextSize: 8192, maxTokens: 10, reuse: false });
    const r = planContext({ ...base, promptTokens: 8190, maxTokens: 10 });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.reason, /trained context of 8192/);
    }
    assert.equal(planContext({ ...base, promptTokens: 8192 }).ok, false);
  });

  test('common prefix length counts the tokens a reused sequence keeps', () => {
    assert.equal(commonPrefixLength([1, 2, 3, 4], [1, 2, 9]), 2);
    assert.equal(commonPrefixLength([], [1]), 0);
    assert.equal(commonPrefixLength([5, 6], [5, 6, 7]), 2);
  });
});
