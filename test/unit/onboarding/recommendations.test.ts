import * as assert from 'node:assert/strict';
import { recommend, recommendationTable, rateFit, usableRamBytes } from '../../../src/onboarding/recommendations';
import type { RecommendationEntry } from '../../../src/onboarding/recommendations';
import { parseNvidiaMemory, readGpuMemoryBytes } from '../../../src/onboarding/machine';
import type { MachineFs } from '../../../src/onboarding/machine';
import { tiers } from '../../../src/settings/schema';

const GB = 1e9;

suite('onboarding: recommendations', () => {
  test('the table has rows for every tier, most demanding first, with plausible sizes per tier', () => {
    for (const tier of tiers) {
      const rows = recommendationTable[tier];
      assert.ok(rows.length >= 2, tier);
      for (let i = 1; i < rows.length; i++) {
        assert.ok(rows[i - 1]!.memoryGb >= rows[i]!.memoryGb, `${tier} rows ordered by memory`);
      }
    }
    assert.ok(recommendationTable.small.every((r) => r.paramsB <= 3.5));
    assert.ok(recommendationTable.code.slice(0, 2).every((r) => r.fim && r.paramsB >= 7 && r.paramsB <= 15));
    assert.ok(recommendationTable.moe.every((r) => r.activeParamsB !== undefined && r.activeParamsB < r.paramsB));
  });

  test('a 64 GB machine without a known GPU gets the largest row of every tier', () => {
    const r = recommend(64 * GB, undefined, []);
    assert.equal(r.small.pick.model, 'qwen2.5-coder:3b');
    assert.equal(r.code.pick.model, 'qwen2.5-coder:14b');
    assert.equal(r.moe.pick.model, 'qwen3:30b-a3b');
    assert.equal(r.moe.pick.fit, 'ram');
  });

  test('a 16 GB laptop gets the 14B coder (just) and the lite MoE; the 30B MoE is marked as not fitting; 12 GB gets the 7B', () => {
    assert.equal(recommend(12 * GB, undefined, []).code.pick.model, 'qwen2.5-coder:7b');
    const r = recommend(16 * GB, undefined, []);
    assert.equal(r.code.pick.model, 'qwen2.5-coder:14b');
    assert.equal(r.moe.pick.model, 'deepseek-coder-v2:16b');
    const big = r.moe.options.find((o) => o.model === 'qwen3:30b-a3b');
    assert.equal(big?.fit, 'wontFit');
    assert.match(big?.fitText ?? '', /won't fit: needs ~22 GB, this machine has 12 GB usable memory/);
  });

  test('a tiny machine gets the least demanding row, marked as not fitting when nothing fits', () => {
    const r = recommend(2 * GB, undefined, []);
    assert.equal(r.moe.pick.model, 'granite3.1-moe:3b');
    assert.equal(r.moe.pick.fit, 'wontFit');
    assert.equal(r.small.pick.model, 'qwen2.5-coder:0.5b');
  });

  test('a GPU that holds a smaller code model wins over a bigger one in system memory, but not for the moe tier', () => {
    const r = recommend(64 * GB, 8 * 1024 ** 3, []);
    assert.equal(r.code.pick.model, 'qwen2.5-coder:7b');
    assert.equal(r.code.pick.fit, 'gpu');
    assert.equal(r.moe.pick.model, 'qwen3:30b-a3b');
    const r24 = recommend(64 * GB, 24 * 1024 ** 3, []);
    assert.equal(r24.code.pick.model, 'qwen2.5-coder:14b');
    assert.equal(r24.moe.pick.fit, 'gpu');
  });

  test('installed models are marked, :latest and case ignored', () => {
    const r = recommend(32 * GB, undefined, [{ name: 'Qwen2.5-Coder:7b' }, { name: 'qwen3:30b-a3b' }]);
    assert.equal(r.code.options.find((o) => o.model === 'qwen2.5-coder:7b')?.installed, true);
    assert.equal(r.code.options.find((o) => o.model === 'qwen2.5-coder:14b')?.installed, false);
    assert.equal(r.moe.options.find((o) => o.model === 'qwen3:30b-a3b')?.installed, true);
  });

  test('the table is data: a custom table is honoured', () => {
    const row = (model: string, memoryGb: number): RecommendationEntry => ({ model, quantization: 'Q4_K_M', paramsB: 1, downloadGb: 1, memoryGb, fim: true, note: '' });
    const table = { small: [row('a', 100), row('b', 1)], code: [row('c', 1)], moe: [row('d', 1)] };
    assert.equal(recommend(8 * GB, undefined, [], table).small.pick.model, 'b');
  });

  test('usable memory keeps a quarter (at least 2 GB) for the system', () => {
    assert.equal(usableRamBytes(16 * GB), 12 * GB);
    assert.equal(usableRamBytes(4 * GB), 2 * GB);
    assert.equal(rateFit(recommendationTable.small[0]!, { totalMemBytes: 4 * GB, gpuMemBytes: undefined }).fit, 'wontFit');
  });
});

suite('onboarding: machine memory', () => {
  const fakeFs = (files: Record<string, string>): MachineFs => ({
    readDir: (dir) => [...new Set(Object.keys(files).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split('/')[0]!))],
    readFile: (file) => files[file],
  });

  test('reads AMD VRAM from sysfs, ignoring connectors, taking the largest card', () => {
    const bytes = readGpuMemoryBytes(
      fakeFs({
        '/sys/class/drm/card0/device/mem_info_vram_total': '536870912\n',
        '/sys/class/drm/card1/device/mem_info_vram_total': '17163091968\n',
        '/sys/class/drm/card1-DP-1/device/mem_info_vram_total': '999999999999',
      }),
    );
    assert.equal(bytes, 17163091968);
  });

  test('unknown when nothing exposes GPU memory; NVIDIA only when the driver states it', () => {
    assert.equal(readGpuMemoryBytes(fakeFs({ '/proc/driver/nvidia/gpus/0000:01:00.0/information': 'Model: GeForce\nIRQ: 42\n' })), undefined);
    assert.equal(readGpuMemoryBytes(fakeFs({})), undefined);
    assert.equal(parseNvidiaMemory('Video Memory: 8192 MB'), 8192 * 1024 ** 2);
  });
});
