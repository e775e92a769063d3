import * as assert from 'node:assert/strict';
import { DisposableStore } from '../../../src/util/disposable';
import { Emitter } from '../../../src/util/emitter';
import { formatBytes, formatTokens } from '../../../src/util/format';

suite('util', () => {
  test('DisposableStore disposes last-in first-out, once, and disposes late additions at once', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add({ dispose: () => order.push('a') });
    store.add({ dispose: () => order.push('b') });
    store.dispose();
    store.dispose();
    assert.deepEqual(order, ['b', 'a']);
    store.add({ dispose: () => order.push('late') });
    assert.deepEqual(order, ['b', 'a', 'late']);
  });

  test('DisposableStore disposes everything even when one item throws', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add({ dispose: () => order.push('first') });
    store.add({
      dispose: () => {
        throw new Error('boom');
      },
    });
    assert.throws(() => store.dispose(), AggregateError);
    assert.deepEqual(order, ['first']);
  });

  test('Emitter delivers to current listeners only', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const sub = emitter.event((v) => seen.push(v));
    emitter.fire(1);
    sub.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, [1]);
  });

  test('formatBytes and formatTokens', () => {
    assert.equal(formatBytes(986061892), '940 MB');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(0), 'unknown');
    assert.equal(formatTokens(32768), '32k');
    assert.equal(formatTokens(800), '800');
    assert.equal(formatTokens(1500), '1.5k');
  });
});
