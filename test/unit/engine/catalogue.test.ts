import * as assert from 'node:assert/strict';
import { CATALOGUE, chooseModels, downloadUrl, memoryBand } from '../../../src/engine/catalogue';

const GiB = 2 ** 30;

suite('engine model catalogue', () => {
  test('memory bands by total memory', () => {
    assert.equal(memoryBand(4 * GiB), 'under8');
    assert.equal(memoryBand(8 * GiB), '8to16');
    assert.equal(memoryBand(16 * GiB), '16to32');
    assert.equal(memoryBand(24 * GiB), '16to32');
    assert.equal(memoryBand(64 * GiB), '32plus');
  });

  test('per band: a small coder for completions, a larger coder, a mixture-of-experts only where it fits', () => {
    const names = (gib: number): (string | undefined)[] => chooseModels(gib * GiB).map((c) => c.model?.name);
    assert.deepEqual(names(4), ['qwen2.5-coder-0.5b-instruct-q8_0', 'qwen2.5-coder-3b-instruct-q4_k_m', undefined]);
    assert.deepEqual(names(8), ['qwen2.5-coder-1.5b-instruct-q4_k_m', undefined, undefined], '4.7 GB is more than half of 8 GiB');
    assert.deepEqual(names(12), ['qwen2.5-coder-1.5b-instruct-q4_k_m', 'qwen2.5-coder-7b-instruct-q4_k_m', undefined]);
    assert.deepEqual(names(24), ['qwen2.5-coder-1.5b-instruct-q4_k_m', 'qwen2.5-coder-14b-instruct-q4_k_m', undefined]);
    assert.deepEqual(names(64), ['qwen2.5-coder-1.5b-instruct-q4_k_m', 'qwen2.5-coder-14b-instruct-q4_k_m', 'qwen3-coder-30b-a3b-instruct-q4_k_m']);
    const none = chooseModels(8 * GiB)[1];
    assert.match(none.reason, /more than half of this machine's 8 GiB/);
  });

  test('every entry is a single GGUF file of a plausible size with a FIM-capable coder for the small tier', () => {
    for (const band of Object.values(CATALOGUE)) {
      assert.ok(band.small?.fim, 'completions need FIM');
      for (const m of Object.values(band)) {
        if (m !== undefined) {
          assert.match(m.file, /\.gguf$/);
          assert.doesNotMatch(m.file, /-of-\d+/, 'split files are not supported');
          assert.ok(m.approxBytes > 1e8 && m.approxBytes < 1e11);
          assert.ok(m.sha256 === undefined || /^[0-9a-f]{64}$/.test(m.sha256));
        }
      }
    }
  });

  test('download URLs follow the Hugging Face layout under any base URL (mirrors)', () => {
    const m = { repo: 'org/Repo-GGUF', revision: 'main', file: 'Model Q4.gguf' };
    assert.equal(downloadUrl('https://huggingface.co', m), 'https://huggingface.co/org/Repo-GGUF/resolve/main/Model%20Q4.gguf');
    assert.equal(downloadUrl('http://127.0.0.1:8080/hf/', m), 'http://127.0.0.1:8080/hf/org/Repo-GGUF/resolve/main/Model%20Q4.gguf');
  });
});
