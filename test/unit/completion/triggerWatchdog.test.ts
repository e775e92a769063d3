import * as assert from 'node:assert/strict';
import { TriggerWatchdog, looksLikeTyping } from '../../../src/completion/triggerWatchdog';
import { FakeClock } from '../../doubles/fakeLlmBackend';

suite('completion trigger watchdog', () => {
  test('a keystroke VS Code does not follow with a call gets one call, after the delay', async () => {
    const clock = new FakeClock();
    const asked: string[] = [];
    const dog = new TriggerWatchdog(clock, (uri) => asked.push(uri), 1500);
    dog.typed('a.py');
    await clock.advance(1499);
    assert.deepEqual(asked, []);
    await clock.advance(1);
    assert.deepEqual(asked, ['a.py']);
    await clock.advance(10_000);
    assert.deepEqual(asked, ['a.py'], 'once per keystroke, never a loop');
    assert.equal(dog.fired, 1);
  });

  test('the normal case: VS Code asks, the watchdog stays quiet; typing on re-arms it', async () => {
    const clock = new FakeClock();
    const asked: string[] = [];
    const dog = new TriggerWatchdog(clock, (uri) => asked.push(uri), 1500);
    for (let i = 0; i < 20; i++) {
      dog.typed('a.ts');
      await clock.advance(50);
      dog.asked('a.ts');
      await clock.advance(100);
    }
    await clock.advance(5000);
    assert.deepEqual(asked, []);
    // A call for another document does not count for this one.
    dog.typed('a.ts');
    dog.asked('b.ts');
    await clock.advance(1500);
    assert.deepEqual(asked, ['a.ts']);
    dog.typed('a.ts');
    dog.dispose();
    await clock.advance(5000);
    assert.deepEqual(asked, ['a.ts'], 'nothing after dispose');
  });

  test('typing is one inserted character (or two), or Enter with indentation; not a paste, delete, or replace', () => {
    assert.equal(looksLikeTyping([{ rangeLength: 0, text: 'a' }]), true);
    assert.equal(looksLikeTyping([{ rangeLength: 0, text: '()' }]), true, 'auto-closed pair');
    assert.equal(looksLikeTyping([{ rangeLength: 0, text: '\n    ' }]), true);
    assert.equal(looksLikeTyping([{ rangeLength: 0, text: '\r\n\t' }]), true);
    assert.equal(looksLikeTyping([{ rangeLength: 0, text: 'const x = 1;' }]), false);
    assert.equal(looksLikeTyping([{ rangeLength: 1, text: '' }]), false);
    assert.equal(looksLikeTyping([{ rangeLength: 3, text: 'a' }]), false);
    assert.equal(looksLikeTyping([{ rangeLength: 0, text: 'a' }, { rangeLength: 0, text: 'a' }]), false, 'multi-cursor');
    assert.equal(looksLikeTyping([]), false);
  });
});
