import * as assert from 'node:assert/strict';
import { HealthWatcher, backoffDelayMs } from '../../../src/onboarding/healthWatcher';
import { FakeClock, flush } from '../../doubles/fakeLlmBackend';

suite('onboarding: health watcher', () => {
  test('back-off doubles from the first delay and is capped', () => {
    const o = { downInitialMs: 1000, downMaxMs: 30_000, factor: 2 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, o)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  test('while down it checks with growing gaps, never more often than the back-off allows', async () => {
    const clock = new FakeClock();
    const checkedAt: number[] = [];
    const watcher = new HealthWatcher(async () => {
      checkedAt.push(clock.now());
      return false;
    }, clock, { downInitialMs: 1000, downMaxMs: 8000, upIntervalMs: 60_000 });
    await watcher.start();
    await clock.advance(60_000);
    const gaps = checkedAt.slice(1).map((t, i) => t - checkedAt[i]!);
    assert.deepEqual(gaps.slice(0, 5), [1000, 2000, 4000, 8000, 8000]);
    // 1+2+4+8 = 15 s, then every 8 s: far fewer than one check per second.
    assert.equal(checkedAt.length, 1 + 4 + Math.floor((60_000 - 15_000) / 8000));
    watcher.dispose();
  });

  test('recovers quickly: the next scheduled check after the server returns resets the back-off', async () => {
    const clock = new FakeClock();
    let up = false;
    let checks = 0;
    const watcher = new HealthWatcher(async () => {
      checks++;
      return up;
    }, clock, { downInitialMs: 1000, downMaxMs: 8000, upIntervalMs: 60_000 });
    await watcher.start();
    await clock.advance(1000 + 2000 + 4000);
    assert.equal(watcher.consecutiveFailures, 4);
    up = true;
    await clock.advance(8000);
    assert.equal(watcher.healthy, true);
    assert.equal(watcher.consecutiveFailures, 0);
    const before = checks;
    await clock.advance(59_000);
    assert.equal(checks, before, 'while up it waits the long interval');
    await clock.advance(1000);
    assert.equal(checks, before + 1);
    watcher.dispose();
  });

  test('an on-demand check runs at once, resets the back-off timer, and concurrent callers share it', async () => {
    const clock = new FakeClock();
    let up = false;
    let checks = 0;
    let release: (() => void) | undefined;
    const watcher = new HealthWatcher(
      () =>
        new Promise<boolean>((resolve) => {
          checks++;
          release = () => resolve(up);
        }),
      clock,
      { downInitialMs: 1000, downMaxMs: 60_000, minGapMs: 500 },
    );
    const first = watcher.start();
    release?.();
    await first;
    await clock.advance(1000);
    release?.();
    await flush();
    await clock.advance(2000);
    release?.();
    await flush();
    assert.equal(watcher.consecutiveFailures, 3);
    up = true;
    const a = watcher.checkNow(true);
    const b = watcher.checkNow(true);
    assert.equal(checks, 4, 'one check for both callers');
    release?.();
    assert.equal(await a, true);
    assert.equal(await b, true);
    assert.equal(watcher.consecutiveFailures, 0);
    // Within minGapMs a non-forced check reuses the last result.
    assert.equal(await watcher.checkNow(), true);
    assert.equal(checks, 4);
    watcher.dispose();
  });

  test('reportUnreachable checks soon when the watcher still believed the server up; a throwing check counts as down', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const watcher = new HealthWatcher(async () => {
      calls++;
      if (calls > 1) {
        throw new Error('boom');
      }
      return true;
    }, clock, { upIntervalMs: 300_000, minGapMs: 0 });
    await watcher.start();
    await clock.advance(5000);
    watcher.reportUnreachable();
    await flush();
    assert.equal(calls, 2);
    assert.equal(watcher.healthy, false);
    watcher.reportUnreachable(); // already known down: the back-off decides, no extra check
    await flush();
    assert.equal(calls, 2);
    watcher.dispose();
    await clock.advance(600_000);
    assert.equal(calls, 2, 'no checks after dispose');
  });
});
