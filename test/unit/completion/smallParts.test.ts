import * as assert from 'node:assert/strict';
import { AttemptLog, explainAttempts } from '../../../src/completion/attemptLog';
import { CompletionCache, completionCacheKey } from '../../../src/completion/cache';
import { AdaptiveDebounce } from '../../../src/completion/debounce';
import { prefilter } from '../../../src/completion/prefilter';
import { anchorAt, detachedSlice, matchTyped, typedSince } from '../../../src/completion/reuse';
import type { CompletionRequest } from '../../../src/completion/types';
import { defaultSettings } from '../../../src/settings/readSettings';
import type { Settings } from '../../../src/settings/schema';
import { FakeClock } from '../../doubles/fakeLlmBackend';

function request(text: string, offset = text.length, extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return { documentUri: 'file:///a.ts', languageId: 'typescript', text, offset, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual: false, ...extra };
}

function settings(overrides: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), ...overrides };
}

suite('completion parts', () => {
  suite('reuse', () => {
    test('typing the start of a suggestion serves the rest', () => {
      const anchor = anchorAt('u', 'const a = ', 10);
      const typed = typedSince(anchor, 'u', 'const a = fo', 12);
      assert.equal(typed, 'fo');
      assert.deepEqual(matchTyped('foo(1);', typed ?? '', true), { kind: 'hit', remainder: 'o(1);' });
    });
    test('typing something else misses', () => {
      assert.deepEqual(matchTyped('foo(1);', 'fa', true), { kind: 'miss' });
    });
    test('typing the whole suggestion leaves nothing to reuse', () => {
      assert.deepEqual(matchTyped('foo;', 'foo;', true), { kind: 'miss' });
    });
    test('a streaming suggestion shorter than the typing is pending', () => {
      assert.deepEqual(matchTyped('fo', 'foo', false), { kind: 'pending' });
      assert.deepEqual(matchTyped('fx', 'foo', false), { kind: 'miss' });
    });
    test('detached slices equal the slice', () => {
      const text = 'x'.repeat(1000) + 'abcdefghijklmnopqrstuvwxyz' + 'y'.repeat(1000);
      assert.equal(detachedSlice(text, 1000, 1026), 'abcdefghijklmnopqrstuvwxyz');
      assert.equal(detachedSlice(text, 0, 3), 'xxx');
    });
    test('deleting, moving the cursor, another document or an edit after the cursor invalidate the anchor', () => {
      const anchor = anchorAt('u', 'abc\ndef', 3);
      assert.equal(typedSince(anchor, 'u', 'ab\ndef', 2), undefined);
      assert.equal(typedSince(anchor, 'v', 'abcX\ndef', 4), undefined);
      assert.equal(typedSince(anchor, 'u', 'abcX\ndeF', 4), undefined);
      assert.equal(typedSince(anchor, 'u', 'Xbc\ndef', 3), undefined);
      assert.equal(typedSince(anchor, 'u', 'abcX\ndef', 4), 'X');
    });
  });

  suite('cache', () => {
    test('the same position hits; line endings do not matter', () => {
      const cache = new CompletionCache(4);
      cache.set(completionCacheKey('m', 'a\nb = ', 6), 'x');
      assert.equal(cache.get(completionCacheKey('m', 'a\r\nb = ', 7)), 'x');
    });
    test('another model, prefix or suffix misses', () => {
      const cache = new CompletionCache(4);
      cache.set(completionCacheKey('m', 'ab', 1), 'x');
      assert.equal(cache.get(completionCacheKey('n', 'ab', 1)), undefined);
      assert.equal(cache.get(completionCacheKey('m', 'aX', 1)), undefined);
      assert.equal(cache.get(completionCacheKey('m', 'Xb', 1)), undefined);
    });
    test('is bounded', () => {
      const cache = new CompletionCache(3);
      for (let i = 0; i < 10; i++) {
        cache.set(`k${i}`, 'v');
      }
      assert.equal(cache.size, 3);
      assert.equal(cache.get('k0'), undefined);
      assert.equal(cache.get('k9'), 'v');
    });
  });

  suite('adaptive debounce', () => {
    test('floor until the typing speed is known', () => {
      const d = new AdaptiveDebounce(new FakeClock());
      assert.equal(d.delayMs(60, { manual: false, likelyPause: false }), 60);
    });
    test('longer than the usual gap while typing fast', () => {
      const d = new AdaptiveDebounce(new FakeClock());
      let t = 0;
      for (const gap of [120, 150, 100, 180, 130, 160, 140]) {
        t += gap;
        d.recordKeystroke(t);
      }
      const delay = d.delayMs(60, { manual: false, likelyPause: false });
      assert.ok(delay > 180 && delay < 260, `delay ${delay}`);
    });
    test('floor where the user is likely to pause (once the model is measured), and 0 for a manual trigger', () => {
      const d = new AdaptiveDebounce(new FakeClock());
      for (let t = 0; t < 2000; t += 150) {
        d.recordKeystroke(t);
      }
      assert.ok(d.delayMs(60, { manual: false, likelyPause: true }) > 150, 'an unmeasured model waits for a real pause');
      d.recordTimeToFirstToken(150);
      assert.equal(d.delayMs(60, { manual: false, likelyPause: true }), 60);
      assert.equal(d.delayMs(60, { manual: true, likelyPause: false }), 0);
    });
    test('slow typing (long gaps) keeps the floor', () => {
      const d = new AdaptiveDebounce(new FakeClock());
      for (let t = 0; t < 10_000; t += 900) {
        d.recordKeystroke(t);
      }
      assert.equal(d.delayMs(60, { manual: false, likelyPause: false }), 60);
    });
    test('a seeded time to first token counts as measured; a lower bound never lowers it', () => {
      const d = new AdaptiveDebounce(new FakeClock());
      d.seedTimeToFirstToken(800);
      assert.equal(d.timeToFirstTokenMs, 800);
      d.seedTimeToFirstToken(100);
      assert.equal(d.timeToFirstTokenMs, 800, 'a seed never overrides');
      d.recordTimeToFirstTokenAtLeast(1200);
      assert.equal(d.timeToFirstTokenAtLeastMs, 1200);
    });
    test("the model's own first measurement replaces a seed; later ones are smoothed", () => {
      const d = new AdaptiveDebounce(new FakeClock());
      d.seedTimeToFirstToken(2000);
      d.recordTimeToFirstToken(300);
      assert.equal(d.timeToFirstTokenMs, 300, 'the seed (from longer chat prompts) is not averaged in');
      d.recordTimeToFirstToken(400);
      assert.equal(d.timeToFirstTokenMs, 330);
    });
    test('never below the floor', () => {
      const d = new AdaptiveDebounce(new FakeClock());
      for (let t = 0; t < 500; t += 20) {
        d.recordKeystroke(t);
      }
      assert.equal(d.delayMs(200, { manual: false, likelyPause: false }), 200);
    });
    test('a fast model shortens the wait while typing', () => {
      const slow = new AdaptiveDebounce(new FakeClock());
      const fast = new AdaptiveDebounce(new FakeClock());
      for (let t = 0; t < 5000; t += 400) {
        slow.recordKeystroke(t);
        fast.recordKeystroke(t);
      }
      slow.recordTimeToFirstToken(1000);
      fast.recordTimeToFirstToken(40);
      assert.ok(fast.delayMs(60, { manual: false, likelyPause: false }) < slow.delayMs(60, { manual: false, likelyPause: false }));
    });
    test('wait resolves true after the delay on the fake clock, false on abort', async () => {
      const clock = new FakeClock();
      const d = new AdaptiveDebounce(clock);
      const controller = new AbortController();
      let done: boolean | undefined;
      void d.wait(100, controller.signal).then((v) => (done = v));
      await clock.advance(99);
      assert.equal(done, undefined);
      await clock.advance(1);
      assert.equal(done, true);
      let aborted: boolean | undefined;
      void d.wait(100, controller.signal).then((v) => (aborted = v));
      controller.abort();
      await clock.advance(0);
      assert.equal(aborted, false);
      assert.equal(clock.pending, 0);
    });
  });

  suite('prefilter', () => {
    test('disabled globally', () => {
      assert.equal(prefilter(request('x'), settings({ 'completion.enabled': false }))?.reason, 'disabled');
    });
    test('disabled for the language, naming it and the setting', () => {
      const skip = prefilter(request('x', 1, { languageId: 'markdown' }), settings({ 'completion.disabledLanguages': ['markdown'] }));
      assert.equal(skip?.reason, 'languageDisabled');
      assert.match(skip?.message ?? '', /markdown.*tiered\.completion\.disabledLanguages/);
    });
    test('file too large, with the sizes', () => {
      const skip = prefilter(request('x', 1, { fileSizeBytes: 3 * 1024 * 1024 }), settings({ 'completion.maxFileSizeKb': 1024 }));
      assert.equal(skip?.reason, 'fileTooLarge');
      assert.match(skip?.message ?? '', /3072 KB.*1024 KB/);
    });
    test('mid-word is skipped, unless triggered by hand', () => {
      assert.equal(prefilter(request('foobar', 3), settings())?.reason, 'midWord');
      assert.equal(prefilter(request('foobar', 3, { manual: true }), settings()), undefined);
    });
    test('end of a word, before a closer, or an empty line go on', () => {
      assert.equal(prefilter(request('foo', 3), settings()), undefined);
      assert.equal(prefilter(request('f()', 2), settings()), undefined);
      assert.equal(prefilter(request('a\n\nb', 2), settings()), undefined);
    });
  });

  suite('attempt log', () => {
    test('is a bounded ring', () => {
      const log = new AttemptLog(3);
      for (let i = 0; i < 5; i++) {
        log.record({ at: i, durationMs: 0, documentUri: 'u', languageId: 'ts', outcome: 'debounced', detail: '' });
      }
      assert.equal(log.size, 3);
      assert.deepEqual(log.recent().map((a) => a.at), [2, 3, 4]);
    });
    test('no attempts: explains that the editor never asked', () => {
      assert.match(explainAttempts([], 0), /never asked/);
      assert.match(explainAttempts([], 0), /editor\.inlineSuggest\.enabled/);
    });
    test('an error: says what happened and what to fix', () => {
      const log = new AttemptLog();
      log.record({ at: 0, durationMs: 5, documentUri: 'file:///x/a.ts', languageId: 'typescript', outcome: 'error', detail: 'Cannot reach the model server at http://127.0.0.1:11434. Start it.', errorKind: 'unreachable' });
      const text = explainAttempts(log.recent(), 2500);
      assert.match(text, /a\.ts/);
      assert.match(text, /2\.5 s ago/);
      assert.match(text, /What to fix:\n- Cannot reach the model server/);
    });
    test('a disabled language: names the setting to change', () => {
      const log = new AttemptLog();
      log.record({ at: 0, durationMs: 0, documentUri: 'u', languageId: 'markdown', outcome: 'skipped', detail: 'Inline completions are turned off for markdown files (setting tiered.completion.disabledLanguages).' });
      assert.match(explainAttempts(log.recent(), 0), /What to fix:\n- .*tiered\.completion\.disabledLanguages/);
    });
    test('only superseded attempts: explains that completions come when typing pauses', () => {
      const log = new AttemptLog();
      log.record({ at: 0, durationMs: 0, documentUri: 'u', languageId: 'ts', outcome: 'debounced', detail: '' });
      log.record({ at: 1, durationMs: 0, documentUri: 'u', languageId: 'ts', outcome: 'cancelled', detail: '' });
      assert.match(explainAttempts(log.recent(), 1), /pause typing/);
    });
    test('a shown completion: says completions work, nothing to fix', () => {
      const log = new AttemptLog();
      log.record({ at: 0, durationMs: 0, documentUri: 'u', languageId: 'ts', outcome: 'error', detail: 'old error' });
      log.record({ at: 10, durationMs: 0, documentUri: 'u', languageId: 'ts', outcome: 'shown', detail: '1 line(s)', model: 'qwen2.5-coder:1.5b' });
      const text = explainAttempts(log.recent(), 20);
      assert.match(text, /Completions are working.*qwen2\.5-coder:1\.5b/);
      assert.match(text, /Nothing to fix/);
    });
    test('empty after clean-up: explains what was removed', () => {
      const log = new AttemptLog();
      log.record({ at: 0, durationMs: 0, documentUri: 'u', languageId: 'ts', outcome: 'empty', detail: 'repeats the line below' });
      assert.match(explainAttempts(log.recent(), 0), /removed \(repeats the line below\)/);
    });
  });
});
