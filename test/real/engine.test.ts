// The self-made models as llama-server sees them: metadata, tokenizer, chat template, FIM tokens.
// If these fail, the GGUF writer is wrong and every other real-engine test is suspect.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildGguf, buildVocab, FIM_TOKENS, MODEL_SPECS } from './makeGguf';
import { realEnv } from './realEnv';
import { getJson, postJson, tokenize } from './serverProbe';

interface ModelsAnswer {
  data: { id: string; meta?: { n_ctx?: number; n_ctx_train?: number; n_params?: number; n_vocab?: number } }[];
}

suite('real engine: self-made GGUF models in llama-server', () => {
  test('each server lists its alias with the trained context, per-slot context and parameter count of its model', async () => {
    const env = realEnv();
    for (const name of ['small', 'large', 'nofim'] as const) {
      const s = env[name];
      const models = await getJson<ModelsAnswer>(`${s.baseUrl}/v1/models`);
      assert.equal(models.data.length, 1);
      const m = models.data[0];
      assert.equal(m.id, s.alias);
      assert.equal(m.meta?.n_ctx_train, MODEL_SPECS[name].contextLength);
      assert.equal(m.meta?.n_ctx, s.slotContext);
      assert.equal(m.meta?.n_params, s.parameters);
      assert.equal(m.meta?.n_vocab, buildVocab(MODEL_SPECS[name].fim).tokens.length);
    }
  });

  test('the model files are deterministic: the written bytes equal a fresh build', () => {
    const env = realEnv();
    const onDisk = readFileSync(env.small.modelPath);
    const fresh = buildGguf(MODEL_SPECS.small).bytes;
    assert.equal(onDisk.length, fresh.length);
    assert.ok(onDisk.equals(fresh), 'bytes differ');
  });

  test('FIM and ChatML markers are single special tokens in the FIM models, and absent from the nofim model', async () => {
    const env = realEnv();
    for (const marker of [FIM_TOKENS.prefix, FIM_TOKENS.suffix, FIM_TOKENS.middle, FIM_TOKENS.fileSep, '<|im_start|>', '<|im_end|>']) {
      assert.equal((await tokenize(env.small.baseUrl, marker, true)).length, 1, marker);
      // Without parse_special the same text is ordinary characters.
      assert.ok((await tokenize(env.small.baseUrl, marker, false)).length > 1, marker);
    }
    assert.ok((await tokenize(env.nofim.baseUrl, FIM_TOKENS.prefix, true)).length > 1);
    assert.equal((await tokenize(env.nofim.baseUrl, '<|im_start|>', true)).length, 1);
  });

  test('the tokenizer merges code into multi-character pieces and round-trips text through byte fallback', async () => {
    const env = realEnv();
    const code = 'export function readLines(path: string): Promise<string[]> {\n  return lines;\n}\n';
    const ids = await tokenize(env.small.baseUrl, code);
    assert.ok(ids.length < code.length / 2, `${ids.length} tokens for ${code.length} characters`);
    const unicode = 'naïve café → ok\ttab';
    const { json } = await postJson(`${env.small.baseUrl}/detokenize`, { tokens: await tokenize(env.small.baseUrl, unicode) });
    assert.equal((json as { content: string }).content, unicode);
  });

  test('the chat template is ChatML: a rendered conversation has one <|im_start|> per message plus the generation prompt', async () => {
    const env = realEnv();
    const props = await getJson<{ chat_template?: string }>(`${env.small.baseUrl}/props`);
    assert.match(props.chat_template ?? '', /<\|im_start\|>/);
    const { status, json } = await postJson(`${env.small.baseUrl}/apply-template`, {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    assert.equal(status, 200);
    const prompt = (json as { prompt: string }).prompt;
    assert.equal(prompt, '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n');
  });

  test('generation never emits control tokens or EOS: a completion runs to its token limit with printable text', async () => {
    const env = realEnv();
    const { status, json } = await postJson(`${env.small.baseUrl}/completion`, { prompt: 'function add(a, b) {', n_predict: 64, seed: 7 });
    assert.equal(status, 200);
    const answer = json as { content: string; stop_type: string; tokens_predicted: number };
    assert.equal(answer.stop_type, 'limit');
    assert.equal(answer.tokens_predicted, 64);
    assert.doesNotMatch(answer.content, /<\|/);
    assert.ok([...answer.content].every((c) => c === '\n' || c === '\t' || c === '\r' || (c >= ' ' && c <= '~')), JSON.stringify(answer.content));
  });
});
