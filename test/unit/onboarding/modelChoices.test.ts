import * as assert from 'node:assert/strict';
import type { EndpointReport } from '../../../src/backend/checkConnection';
import { completionModelChoices, describeModel, settingsForMapping, suggestedMapping, tierChoices } from '../../../src/onboarding/modelChoices';
import { fakeModel } from '../../doubles/fakeLlmBackend';

const caps = { completion: true, insert: true, tools: false, thinking: false, vision: false, embedding: false };
const models = [
  fakeModel({ name: 'qwen2.5-coder:1.5b', endpointId: 'ollama', parameterSize: '1.5B', family: 'qwen2', quantization: 'Q4_K_M', sizeBytes: 986_061_892 }),
  fakeModel({ name: 'qwen2.5-coder:7b', endpointId: 'ollama', parameterSize: '7.6B', family: 'qwen2', quantization: 'Q4_K_M', sizeBytes: 4_683_087_332 }),
  fakeModel({ name: 'qwen3:30b-a3b', endpointId: 'ollama', parameterSize: '30.5B', family: 'qwen3moe', quantization: 'Q4_K_M', expertCount: 128, capabilities: { ...caps, insert: false } }),
  fakeModel({ name: 'nomic-embed-text:latest', endpointId: 'ollama', capabilities: { ...caps, completion: false, insert: false, embedding: true } }),
];
const report: EndpointReport = {
  id: 'ollama',
  kind: 'ollama',
  baseUrl: 'http://127.0.0.1:11434',
  reachable: true,
  models,
  loaded: [{ name: 'qwen2.5-coder:7b', sizeBytes: 1, sizeVramBytes: 0, contextLength: 8192, expiresAt: undefined }],
};

suite('onboarding: Configure Tiers choices', () => {
  test('the router suggestion comes first for each tier, with its reason', () => {
    const mapping = suggestedMapping([report]);
    assert.equal(mapping.small?.model, 'qwen2.5-coder:1.5b');
    assert.equal(mapping.code?.model, 'qwen2.5-coder:7b');
    assert.equal(mapping.moe?.model, 'qwen3:30b-a3b');
    for (const tier of ['small', 'code', 'moe'] as const) {
      const choices = tierChoices(tier, [report], mapping, { model: '', endpoint: '' });
      assert.equal(choices[0]?.model, mapping[tier]?.model, tier);
      assert.ok(choices[0]?.suggestedReason);
      assert.equal(choices.filter((c) => c.suggestedReason !== undefined).length, 1);
    }
  });

  test('embedding models are not offered; unreachable endpoints contribute nothing', () => {
    const down: EndpointReport = { ...report, id: 'other', reachable: false };
    const choices = tierChoices('code', [report, down], suggestedMapping([report]), { model: '', endpoint: '' });
    assert.deepEqual(choices.map((c) => c.model).sort(), ['qwen2.5-coder:1.5b', 'qwen2.5-coder:7b', 'qwen3:30b-a3b']);
  });

  test('the current setting is marked and ranks right after the suggestion', () => {
    const choices = tierChoices('code', [report], suggestedMapping([report]), { model: 'qwen3:30b-a3b', endpoint: '' });
    assert.equal(choices[1]?.model, 'qwen3:30b-a3b');
    assert.equal(choices[1]?.current, true);
  });

  test('descriptions show size, params, family, quantisation, context, FIM and loaded', () => {
    const loaded = describeModel(models[1]!, true);
    assert.equal(loaded, '4.4 GB · 7.6B · qwen2 · Q4_K_M · 32k ctx · FIM · loaded');
    assert.match(describeModel(models[2]!, false), /no FIM$/);
  });

  test('settings for a mapping: endpoint written only when several endpoints exist', () => {
    const mapping = { code: { model: 'qwen2.5-coder:7b', endpointId: 'ollama' } };
    assert.deepEqual(settingsForMapping(mapping, 1), { 'tiers.code.model': 'qwen2.5-coder:7b', 'tiers.code.endpoint': '' });
    assert.deepEqual(settingsForMapping(mapping, 2), { 'tiers.code.model': 'qwen2.5-coder:7b', 'tiers.code.endpoint': 'ollama' });
  });
});

suite('onboarding: Choose Completion Model choices', () => {
  const fimReport: EndpointReport = {
    ...report,
    models: [
      fakeModel({ name: 'qwen2.5-coder:7b', parameterBillions: 7.6, parameterSize: '7.6B' }),
      fakeModel({ name: 'qwen2.5-coder:1.5b', parameterBillions: 1.5, parameterSize: '1.5B' }),
      fakeModel({ name: 'deepseek-coder:6.7b', parameterBillions: 6.7, capabilities: { ...caps, insert: false } }),
      fakeModel({ name: 'llama3.2:3b', parameterBillions: 3.2, capabilities: { ...caps, insert: false } }),
      fakeModel({ name: 'nomic-embed-text:latest', capabilities: { ...caps, completion: false, insert: false, embedding: true } }),
    ],
  };

  test('only models that can fill in the middle, smallest first, saying how; chat-only ones named apart', () => {
    const { choices, chatOnly } = completionModelChoices([fimReport], '');
    assert.deepEqual(
      choices.map((c) => [c.model, c.fim]),
      [
        ['qwen2.5-coder:1.5b', 'native'],
        ['deepseek-coder:6.7b', 'raw'],
        ['qwen2.5-coder:7b', 'native'],
      ],
    );
    assert.equal(choices[1]?.familyLabel, 'DeepSeek-Coder');
    assert.doesNotMatch(choices[1]?.description ?? '', /FIM/, 'the server flag ("no FIM") is not shown for a model that completes with raw FIM');
    assert.equal(choices[0]?.familyLabel, 'Qwen2.5-Coder');
    assert.deepEqual(chatOnly, ['llama3.2:3b'], 'a chat model is left out (it would give garbage); an embedding model is not worth a mention');
  });

  test('the current setting comes first and is marked; the loaded model says so', () => {
    const { choices } = completionModelChoices([fimReport], 'qwen2.5-coder:7b');
    assert.equal(choices[0]?.model, 'qwen2.5-coder:7b');
    assert.equal(choices[0]?.current, true);
    assert.equal(choices.filter((c) => c.current).length, 1);
    assert.match(choices[0]?.description ?? '', /loaded/);
  });

  test('an unreachable server offers nothing', () => {
    assert.deepEqual(completionModelChoices([{ ...fimReport, reachable: false }], ''), { choices: [], chatOnly: [] });
  });
});
