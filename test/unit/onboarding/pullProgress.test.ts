import * as assert from 'node:assert/strict';
import { PullProgressTracker } from '../../../src/onboarding/pullProgress';
import type { PullProgress } from '../../../src/backend/types';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

suite('onboarding: pull progress aggregation', () => {
  test('per-layer bytes add up to an overall percent; 100 only on success', () => {
    const t = new PullProgressTracker();
    assert.equal(t.update({ status: 'pulling manifest' }).phase, 'manifest');
    let s = t.update({ status: 'pulling aaaaaaaaaaaa', digest: d('a'), totalBytes: 1000 }); // completed omitted while 0
    assert.equal(s.percent, 0);
    assert.equal(s.completedBytes, 0);
    s = t.update({ status: 'pulling aaaaaaaaaaaa', digest: d('a'), totalBytes: 1000, completedBytes: 500 });
    assert.equal(s.percent, 50);
    assert.match(s.message, /layer 1 \(aaaaaaaaaaaa\): 500 B of 1000 B; overall 500 B of 1000 B — 50%/);
    s = t.update({ status: 'pulling aaaaaaaaaaaa', digest: d('a'), totalBytes: 1000, completedBytes: 1000 });
    assert.equal(s.percent, 99, 'not done before the server says success');
    s = t.update({ status: 'verifying sha256 digest' });
    assert.equal(s.phase, 'verifying');
    s = t.update({ status: 'writing manifest' });
    s = t.update({ status: 'success' });
    assert.equal(s.percent, 100);
    assert.equal(s.phase, 'done');
  });

  test('a layer appearing late (the config blob) never moves the percent backwards', () => {
    const t = new PullProgressTracker();
    t.update({ status: 'pulling aaa', digest: d('a'), totalBytes: 900, completedBytes: 900 });
    const before = t.snapshot().percent;
    const s = t.update({ status: 'pulling bbb', digest: d('b'), totalBytes: 100 });
    assert.equal(s.totalBytes, 1000);
    assert.equal(s.completedBytes, 900);
    assert.ok(s.percent >= before, `${s.percent} >= ${before}`);
    assert.equal(s.layers.length, 2);
    const end = t.update({ status: 'pulling bbb', digest: d('b'), totalBytes: 100, completedBytes: 100 });
    assert.equal(end.completedBytes, 1000);
    assert.match(end.message, /layer 2/);
  });

  test('a blob already present (one line with completed == total) counts as done at once', () => {
    const t = new PullProgressTracker();
    const s = t.update({ status: 'pulling ccc', digest: d('c'), totalBytes: 487, completedBytes: 487 });
    assert.equal(s.completedBytes, 487);
  });

  test('repeated or out-of-order lines never lower a layer, and completed is capped at total', () => {
    const t = new PullProgressTracker();
    t.update({ status: 'pulling a', digest: d('a'), totalBytes: 1000, completedBytes: 600 });
    let s = t.update({ status: 'pulling a', digest: d('a'), totalBytes: 1000, completedBytes: 400 });
    assert.equal(s.completedBytes, 600);
    s = t.update({ status: 'pulling a', digest: d('a'), totalBytes: 1000, completedBytes: 5000 });
    assert.equal(s.completedBytes, 1000);
  });

  test('the fake server sequence (big model layer in steps, then small blobs) gives a monotonic percent ending at 100', () => {
    const t = new PullProgressTracker();
    const lines: PullProgress[] = [{ status: 'pulling manifest' }];
    const big = 986_000_000;
    for (let s = 0; s <= 8; s++) {
      const completed = Math.round((big * s) / 8);
      lines.push({ status: 'pulling 111', digest: d('1'), totalBytes: big, ...(completed > 0 ? { completedBytes: completed } : {}) });
    }
    for (const [c, total] of [['2', 1500], ['3', 11343], ['4', 120], ['5', 487]] as const) {
      lines.push({ status: `pulling ${c}`, digest: d(c), totalBytes: total, completedBytes: total });
    }
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' });
    const percents = lines.map((l) => t.update(l).percent);
    for (let i = 1; i < percents.length; i++) {
      assert.ok(percents[i]! >= percents[i - 1]!, `step ${i}: ${percents[i - 1]} → ${percents[i]}`);
    }
    assert.equal(percents.at(-1), 100);
    assert.ok(percents[5]! > 40 && percents[5]! < 60, `halfway through the big layer: ${percents[5]}`);
  });
});
