import * as assert from 'node:assert/strict';
import { TokenBatcher } from '../../../src/engine/host/tokenBatcher';
import type { BatcherClock } from '../../../src/engine/host/tokenBatcher';

/** A clock the test moves by hand; scheduled callbacks run when their time is reached. */
class ManualClock implements BatcherClock {
  time = 0;
  private readonly timers = new Set<{ at: number; run: () => void }>();
  now(): number {
    return this.time;
  }
  schedule(run: () => void, ms: number): () => void {
    const t = { at: this.time + ms, run };
    this.timers.add(t);
    return () => this.timers.delete(t);
  }
  advance(ms: number): void {
    this.time += ms;
    for (const t of [...this.timers]) {
      if (t.at <= this.time) {
        this.timers.delete(t);
        t.run();
      }
    }
  }
  get pending(): number {
    return this.timers.size;
  }
}

function setup(intervalMs = 8): { sent: string[]; clock: ManualClock; batcher: TokenBatcher } {
  const sent: string[] = [];
  const clock = new ManualClock();
  return { sent, clock, batcher: new TokenBatcher((t) => sent.push(t), intervalMs, clock) };
}

suite('engine token batcher', () => {
  test('the first text goes out at once, so time to first token is unchanged', () => {
    const { sent, batcher } = setup();
    batcher.push('Hello');
    assert.deepEqual(sent, ['Hello']);
  });

  test('text arriving within the interval is sent as one message when the interval ends', () => {
    const { sent, clock, batcher } = setup();
    batcher.push('a');
    clock.advance(1);
    batcher.push('b');
    clock.advance(1);
    batcher.push('c');
    assert.deepEqual(sent, ['a']);
    clock.advance(6);
    assert.deepEqual(sent, ['a', 'bc']);
    assert.equal(clock.pending, 0);
  });

  test('a token arriving after a quiet interval is sent at once (slow models stream token by token)', () => {
    const { sent, clock, batcher } = setup();
    batcher.push('a');
    clock.advance(20);
    batcher.push('b');
    clock.advance(20);
    batcher.push('c');
    assert.deepEqual(sent, ['a', 'b', 'c']);
  });

  test('flush sends what is buffered, in order, and cancels the timer (before the result or the error)', () => {
    const { sent, clock, batcher } = setup();
    batcher.push('x');
    batcher.push('y');
    batcher.push('z');
    batcher.flush();
    assert.deepEqual(sent, ['x', 'yz']);
    assert.equal(clock.pending, 0);
    batcher.flush();
    assert.deepEqual(sent, ['x', 'yz'], 'nothing buffered: nothing sent');
    assert.equal(sent.join(''), 'xyz');
  });

  test('empty text sends nothing', () => {
    const { sent, batcher } = setup();
    batcher.push('');
    batcher.flush();
    assert.deepEqual(sent, []);
  });
});
