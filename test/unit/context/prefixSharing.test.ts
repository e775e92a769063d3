import * as assert from 'node:assert/strict';
import { commonPrefixLength, PrefixStabilityMeter, sharedPrefixTokens } from '../../../src/context/prefixSharing';
import { tiktokenCounter } from '../../../src/context/tokenCounter';
import { syntheticCode } from './helpers';

const counter = tiktokenCounter();

suite('context/prefixSharing', () => {
  test('identical prompts share everything; an empty prompt shares nothing but has ratio 1', () => {
    const text = syntheticCode(100);
    const same = sharedPrefixTokens(text, text, counter);
    assert.equal(same.shared, same.total);
    assert.equal(same.ratio, 1);
    assert.deepEqual(sharedPrefixTokens('abc', '', counter), { shared: 0, total: 0, ratio: 1 });
  });

  test('a change at the end keeps almost all, a change in the first line destroys reuse', () => {
    const text = syntheticCode(300);
    const endChanged = sharedPrefixTokens(text, `${text}\nconst extra = 1;`, counter);
    assert.ok(endChanged.ratio > 0.98, `ratio ${endChanged.ratio}`);
    const firstChanged = sharedPrefixTokens(text, `// header\n${text}`, counter);
    assert.equal(firstChanged.shared, 0);
    assert.equal(firstChanged.ratio, 0);
  });

  test('the shared part is cut back to the last line break before the first difference', () => {
    const a = 'line one\nline two\nline three';
    const b = 'line one\nline two\nline 3';
    const r = sharedPrefixTokens(a, b, counter);
    assert.equal(r.shared, counter.count('line one\nline two\n'));
    assert.equal(r.total, counter.count(b));
  });

  test('commonPrefixLength never splits a surrogate pair', () => {
    assert.equal(commonPrefixLength('a😀', 'a😃'), 1);
    assert.equal(commonPrefixLength('abc', 'abd'), 2);
    assert.equal(commonPrefixLength('x'.repeat(1000) + 'y', 'x'.repeat(1000) + 'z'), 1000);
  });

  test('the stability meter compares each request with the one before and counts prefix moves', () => {
    const meter = new PrefixStabilityMeter(counter);
    assert.equal(meter.meanRatio, 1, 'nothing to compare yet');
    meter.observe('a\nb\nc', 'a\nb\n', 0);
    meter.observe('a\nb\nc', 'a\nb\n', 0);
    meter.observe('x\ny', 'x\n', 5);
    assert.deepEqual(meter.ratios, [1, 0]);
    assert.deepEqual(meter.prefixRatios, [1, 0]);
    assert.equal(meter.moves, 1);
    assert.equal(meter.meanRatio, 0.5);
  });
});
