import * as assert from 'node:assert/strict';
import { suggestTierMapping } from '../../../src/routing/suggestTiers';
import type { TierMapping } from '../../../src/routing/suggestTiers';
import { modelTraits, sizeFromName, parseParamSize } from '../../../src/routing/modelTraits';
import { catalog, model, on } from '../../fixtures/routing/models';

function names(m: TierMapping): Record<string, string | undefined> {
  return { small: m.small?.model, code: m.code?.model, moe: m.moe?.model };
}

suite('routing/suggestTiers', () => {
  test('laptop: small coder + 7B coder + 3B general + embeddings → no moe tier', () => {
    const m = suggestTierMapping([catalog.qwenCoder1_5b, catalog.qwenCoder7b, catalog.llama32_3b, catalog.nomicEmbed]);
    assert.deepEqual(names(m), { small: 'llama3.2:3b', code: 'qwen2.5-coder:7b', moe: undefined });
    assert.match(m.code?.reason ?? '', /code model \(qwen2, 7\.6B\) with fill-in-the-middle/);
    assert.match(m.small?.reason ?? '', /small, fast model/);
  });

  test('workstation: 14B coder for code, the MoE for hard problems', () => {
    const m = suggestTierMapping([catalog.qwenCoder1_5b, catalog.qwenCoder7b, catalog.qwenCoder14b, catalog.qwen3Moe, catalog.llama32_3b, catalog.nomicEmbed]);
    assert.deepEqual(names(m), { small: 'llama3.2:3b', code: 'qwen2.5-coder:14b', moe: 'qwen3:30b-a3b' });
    assert.match(m.moe?.reason ?? '', /mixture-of-experts model \(qwen3moe, 31B, 3B active\)/);
  });

  test('a completion-only model (its template has no chat formatting) never answers questions while a chat model exists', () => {
    // As Ollama lists them: codegemma:2b and starcoder2:3b only fill in code; llama3.2:3b chats.
    const codegemma = model('codegemma:2b', { parameterSize: '3B', parameterBillions: 2.51, template: '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- else }}{{ .Prompt }}{{- end }}' });
    const starcoder = model('starcoder2:3b', { parameterSize: '3B', parameterBillions: 3.03, template: '{{- if .Suffix }}<fim_prefix>\n{{ .Prompt }}<fim_suffix>{{ .Suffix }}<fim_middle>{{- else }}{{ .Prompt }}{{- end }}' });
    const llama = { ...catalog.llama32_3b, template: '<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>' };
    assert.equal(modelTraits(codegemma).base, true);
    assert.equal(modelTraits(starcoder).base, true);
    assert.equal(modelTraits(llama).base, false);
    assert.equal(modelTraits(catalog.qwenCoder7b).base, false, 'no template known: not judged');
    assert.equal(suggestTierMapping([codegemma, starcoder, llama, catalog.qwenCoder7b]).small?.model, 'llama3.2:3b');
  });

  test('coder-only set: the small tier takes the smallest coder', () => {
    const m = suggestTierMapping([catalog.qwenCoder0_5b, catalog.qwenCoder1_5b, catalog.qwenCoder7b, catalog.qwenCoder14b]);
    assert.deepEqual(names(m), { small: 'qwen2.5-coder:1.5b', code: 'qwen2.5-coder:14b', moe: undefined });
  });

  test('MoE detected from expert_count (mixtral, deepseek-coder-v2, gpt-oss) and the largest wins', () => {
    const m = suggestTierMapping([catalog.qwenCoder7b, catalog.mixtral, catalog.gptOss, catalog.llama32_3b]);
    assert.equal(m.moe?.model, 'mixtral:8x7b');
    const m2 = suggestTierMapping([catalog.qwenCoder7b, catalog.deepseekCoderV2, catalog.llama32_3b]);
    assert.equal(m2.moe?.model, 'deepseek-coder-v2:16b');
    assert.equal(m2.code?.model, 'qwen2.5-coder:7b');
  });

  test('MoE detected from the name alone (llama-server file names, qwen3-moe, deepseek-v2)', () => {
    for (const name of ['Qwen3-30B-A3B-Instruct-2507-Q4_K_M.gguf', 'qwen3-moe:15b', 'deepseek-v2:16b', 'mixtral-8x22b-instruct', 'olmoe:7b']) {
      assert.equal(modelTraits(model(name)).moe, true, name);
    }
    for (const name of ['qwen2.5-coder:7b', 'llama3.1:70b', 'codestral:22b', 'phi4:14b']) {
      assert.equal(modelTraits(model(name)).moe, false, name);
    }
    const m = suggestTierMapping([catalog.llamaServerMoe, on('gpu-box', catalog.qwenCoder7b)]);
    assert.equal(m.moe?.model, 'Qwen3-30B-A3B-Instruct-2507-Q4_K_M.gguf');
    assert.equal(m.moe?.endpointId, 'gpu-box');
  });

  test('no MoE: the largest dense model of at least 20B stands in, and the reason says so', () => {
    const m = suggestTierMapping([catalog.qwenCoder7b, catalog.qwen25_32b, catalog.llama32_3b]);
    assert.equal(m.moe?.model, 'qwen2.5:32b');
    assert.match(m.moe?.reason ?? '', /no mixture-of-experts model installed → largest model/);
  });

  test('a single model serves code and small; nothing big enough for moe', () => {
    const m = suggestTierMapping([catalog.qwenCoder7b]);
    assert.deepEqual(names(m), { small: 'qwen2.5-coder:7b', code: 'qwen2.5-coder:7b', moe: undefined });
    assert.match(m.small?.reason ?? '', /shared with the code tier/);
  });

  test('a single MoE model serves moe and code; too big for small', () => {
    const m = suggestTierMapping([catalog.qwen3Moe]);
    assert.deepEqual(names(m), { small: undefined, code: 'qwen3:30b-a3b', moe: 'qwen3:30b-a3b' });
    assert.match(m.code?.reason ?? '', /shared with the moe tier/);
  });

  test('no coder installed: code tier gets a general model of the right size, and says so', () => {
    const m = suggestTierMapping([catalog.llama32_3b, catalog.llama31_8b]);
    assert.equal(m.code?.model, 'llama3.1:8b');
    assert.match(m.code?.reason ?? '', /no code model installed → general model/);
    assert.equal(m.small?.model, 'llama3.2:3b');
  });

  test('embedding-only sets and empty sets suggest nothing', () => {
    assert.deepEqual(names(suggestTierMapping([catalog.nomicEmbed])), { small: undefined, code: undefined, moe: undefined });
    assert.deepEqual(names(suggestTierMapping([])), { small: undefined, code: undefined, moe: undefined });
  });

  test('base models are used only when nothing else exists', () => {
    assert.equal(suggestTierMapping([catalog.codellamaBase, catalog.qwenCoder7b]).code?.model, 'qwen2.5-coder:7b');
    assert.equal(suggestTierMapping([catalog.codellamaBase]).code?.model, 'codellama:7b-code');
  });

  test('the same model on two endpoints: the loaded one is suggested', () => {
    const installed = [catalog.qwenCoder7b, on('gpu-box', catalog.qwenCoder7b)];
    assert.equal(suggestTierMapping(installed).code?.endpointId, 'gpu-box'); // by name, then endpoint: 'gpu-box' < 'ollama'
    assert.equal(suggestTierMapping(installed, [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }]).code?.endpointId, 'ollama');
  });

  test('deterministic: the listing order does not matter', () => {
    const set = [catalog.qwenCoder1_5b, catalog.qwenCoder7b, catalog.qwenCoder14b, catalog.qwen3Moe, catalog.llama32_3b, catalog.mixtral, catalog.gptOss, catalog.nomicEmbed];
    const expected = suggestTierMapping(set);
    for (let i = 0; i < 10; i++) {
      const shuffled = set.map((m, j) => ({ m, k: (j * 7 + i * 13) % 11 })).sort((a, b) => a.k - b.k).map((x) => x.m);
      assert.deepEqual(suggestTierMapping(shuffled), expected);
    }
  });

  test('llama-server / LM Studio file names without details still map sensibly', () => {
    const caps = { completion: true, insert: undefined, tools: false, thinking: false, vision: false, embedding: false };
    const gguf = (name: string) => model(name, { endpointId: 'lmstudio', quantization: '', capabilities: caps });
    const m = suggestTierMapping([
      gguf('Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf'),
      gguf('Llama-3.2-3B-Instruct-Q4_K_M.gguf'),
      gguf('Qwen3-30B-A3B-Instruct-2507-Q4_K_M.gguf'),
      gguf('nomic-embed-text-v1.5.Q8_0.gguf'),
    ]);
    assert.deepEqual(names(m), { small: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf', code: 'Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf', moe: 'Qwen3-30B-A3B-Instruct-2507-Q4_K_M.gguf' });
  });

  test('sizes come from the server, the name or the file size', () => {
    assert.equal(parseParamSize('7.6B'), 7.6);
    assert.ok(Math.abs((parseParamSize('494.03M') ?? 0) - 0.49403) < 1e-9);
    assert.equal(parseParamSize('n/a'), undefined);
    assert.deepEqual(sizeFromName('qwen3:30b-a3b'), { total: 30, active: 3 });
    assert.deepEqual(sizeFromName('mixtral:8x7b'), { total: 56, active: undefined });
    assert.deepEqual(sizeFromName('qwen2.5-coder:1.5b-instruct-q8_0'), { total: 1.5, active: undefined });
    assert.deepEqual(sizeFromName('smollm2:360m'), { total: 0.36, active: undefined });
    assert.equal(modelTraits(model('mystery', { sizeBytes: 4_800_000_000 })).paramsB, 8);
  });
});
