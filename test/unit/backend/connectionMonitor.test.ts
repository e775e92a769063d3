import * as assert from 'node:assert/strict';
import { ConnectionMonitor, summarizeState } from '../../../src/backend/connectionMonitor';
import { errors } from '../../../src/backend/errors';
import type { LlmBackend, ModelInfo } from '../../../src/backend/types';

function model(name: string): ModelInfo {
  return {
    name,
    endpointId: 'ollama',
    family: 'qwen2',
    families: ['qwen2'],
    parameterSize: '7.6B',
    parameterBillions: 7.6,
    quantization: 'Q4_K_M',
    sizeBytes: 4_700_000_000,
    contextLength: 32768,
    expertCount: undefined,
    capabilities: { completion: true, insert: true, tools: false, thinking: false, vision: false, embedding: false },
    template: undefined,
  };
}

function backend(id: string, up: boolean, calls: { n: number }): LlmBackend {
  const fail = () => Promise.reject(errors.unreachable(`http://${id}`));
  return {
    id,
    kind: 'ollama',
    baseUrl: `http://${id}`,
    serverInfo: () => (up ? Promise.resolve({ version: '0.33.0' }) : fail()),
    listModels: () => {
      calls.n++;
      return up ? Promise.resolve([model('qwen2.5-coder:7b')]) : fail();
    },
    listLoaded: () => (up ? Promise.resolve([]) : fail()),
    generate: () => {
      throw new Error('not used');
    },
    chat: () => {
      throw new Error('not used');
    },
    pull: () => {
      throw new Error('not used');
    },
    deleteModel: () => Promise.resolve(),
    countTokens: () => Promise.resolve(undefined),
    embed: () => fail(),
  };
}

suite('ConnectionMonitor', () => {
  test('summarizes up, partial and down', async () => {
    const calls = { n: 0 };
    const monitor = new ConnectionMonitor(() => Promise.resolve([backend('a', true, calls), backend('b', false, calls)]));
    assert.equal(monitor.state, 'unknown');
    const reports = await monitor.check();
    assert.equal(monitor.state, 'partial');
    assert.deepEqual(
      reports.map((r) => [r.id, r.reachable, r.models.map((m) => m.name)]),
      [
        ['a', true, ['qwen2.5-coder:7b']],
        ['b', false, []],
      ],
    );
    assert.equal(reports[1]?.error?.kind, 'unreachable');
    assert.equal(summarizeState([]), 'unknown');
    assert.equal(summarizeState(reports.slice(0, 1)), 'up');
    assert.equal(summarizeState(reports.slice(1)), 'down');
  });

  test('concurrent checks share one round of requests and notify listeners', async () => {
    const calls = { n: 0 };
    const monitor = new ConnectionMonitor(() => Promise.resolve([backend('a', true, calls)]));
    let notified = 0;
    monitor.onDidChange(() => notified++);
    await Promise.all([monitor.check(), monitor.check(), monitor.check()]);
    assert.equal(calls.n, 1);
    assert.equal(notified, 1);
    await monitor.check();
    assert.equal(calls.n, 2);
  });
});
