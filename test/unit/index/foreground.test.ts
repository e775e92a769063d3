import * as assert from 'node:assert/strict';
import { Foreground } from '../../../src/index/foreground';
import { Throttle } from '../../../src/index/throttle';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Lets timers and promise callbacks run for a while (real time, a few turns of the event loop). */
const turns = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

suite('index: foreground (typing and completion requests come first)', () => {
  test('a keystroke keeps background work waiting for the quiet time, then lets it go', () => {
    const clock = manualClock();
    const fg = new Foreground(1000, clock.now);
    assert.equal(fg.busy, false, 'nothing happened yet');
    fg.touch();
    assert.equal(fg.busy, true);
    clock.advance(999);
    assert.equal(fg.busy, true, 'still within the quiet time');
    clock.advance(2);
    assert.equal(fg.busy, false);
  });

  test('a held request keeps it busy however long it runs; releasing twice counts once', () => {
    const clock = manualClock();
    const fg = new Foreground(100, clock.now);
    const releaseA = fg.hold();
    const releaseB = fg.hold();
    clock.advance(10_000);
    assert.equal(fg.busy, true, 'two requests in flight');
    releaseA();
    releaseA();
    clock.advance(10_000);
    assert.equal(fg.busy, true, 'one request still in flight (a double release must not free it)');
    releaseB();
    assert.equal(fg.busy, true, 'the quiet time starts when the request ends');
    clock.advance(101);
    assert.equal(fg.busy, false);
  });

  test("the throttle's pause waits while a request is held and goes on once it is released", async () => {
    const clock = manualClock();
    const fg = new Foreground(50, clock.now);
    const throttle = new Throttle({ dutyCycle: 1, sliceMs: 1000 }, fg);
    const release = fg.hold();
    let passed = false;
    const paused = throttle.pause().then(() => (passed = true));
    await turns();
    assert.equal(passed, false, 'background work waits while the completion request runs');
    release();
    clock.advance(51);
    await paused;
    assert.equal(passed, true);
    assert.ok(fg.waitedMs >= 51, `the wait is counted (${fg.waitedMs} ms on the test's clock)`);
  });

  test('a pause waiting on the foreground rejects when the build is cancelled', async () => {
    const fg = new Foreground(60_000);
    const throttle = new Throttle({ dutyCycle: 1, sliceMs: 1000 }, fg);
    fg.touch();
    const controller = new AbortController();
    const paused = throttle.pause(controller.signal);
    controller.abort(new Error('cancelled'));
    await assert.rejects(paused, /cancelled/);
  });
});
