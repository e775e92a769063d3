import * as assert from 'node:assert/strict';
import { Throttle } from '../../../src/index/throttle';

/** Burns about `ms` of CPU. */
function burn(ms: number): void {
  const until = process.cpuUsage().user / 1000 + ms;
  while (process.cpuUsage().user / 1000 < until) {
    // busy
  }
}

suite('index: throttle', () => {
  test('after a slice of CPU work it sleeps in proportion to the duty cycle; short work only yields', async () => {
    const throttle = new Throttle({ dutyCycle: 0.25, sliceMs: 5 });
    await throttle.pause();
    assert.equal(throttle.sleptMs, 0, 'no work yet: a yield, no sleep');
    burn(10);
    await throttle.pause();
    // At a quarter of a core, 10 ms of work is followed by about 30 ms of sleep.
    assert.ok(throttle.sleptMs >= 25, `slept ${throttle.sleptMs} ms`);
  });

  test('a full duty cycle never sleeps; an aborted signal rejects', async () => {
    const throttle = new Throttle({ dutyCycle: 1, sliceMs: 1 });
    burn(5);
    await throttle.pause();
    assert.equal(throttle.sleptMs, 0);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(throttle.pause(controller.signal), /stop/);
  });
});
