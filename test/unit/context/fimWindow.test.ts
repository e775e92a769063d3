import * as assert from 'node:assert/strict';
import { fimGridChars, fimStepChars, fimWindow } from '../../../src/context/fimWindow';
import { PrefixStabilityMeter } from '../../../src/context/prefixSharing';
import { approximateCounter, tiktokenCounter } from '../../../src/context/tokenCounter';
import type { TokenCounter } from '../../../src/context/tokenCounter';
import { seededRandom, syntheticCode } from './helpers';

const counter = tiktokenCounter();

function lines(n: number): string {
  return Array.from({ length: n }, (_, i) => `line ${i} = compute(${i});`).join('\n');
}

function assertWindowInvariants(text: string, offset: number, w: ReturnType<typeof fimWindow>, c: TokenCounter, prefixTokens: number, suffixTokens: number): void {
  const cursor = Math.min(text.length, Math.max(0, offset));
  assert.equal(text.slice(w.prefixStartOffset, w.prefixStartOffset + w.prefix.length), w.prefix);
  assert.equal(w.prefixStartOffset + w.prefix.length + w.suffix.length, w.suffixEndOffset);
  assert.equal(text.slice(w.suffixEndOffset - w.suffix.length, w.suffixEndOffset), w.suffix);
  assert.ok(w.prefixStartOffset + w.prefix.length >= cursor - 1 && w.prefixStartOffset + w.prefix.length <= cursor);
  assert.ok(c.count(w.prefix) <= prefixTokens, `prefix ${c.count(w.prefix)} > ${prefixTokens}`);
  assert.ok(c.count(w.suffix) <= suffixTokens, `suffix ${c.count(w.suffix)} > ${suffixTokens}`);
  assert.equal(w.prefixTruncated, w.prefixStartOffset > 0);
  assert.equal(w.suffixTruncated, w.suffixEndOffset < text.length);
  for (const part of [w.prefix, w.suffix]) {
    assert.ok(!/^[\udc00-\udfff]/.test(part) && !/[\ud800-\udbff]$/.test(part), 'surrogate pair split');
  }
}

suite('context/fimWindow', () => {
  test('a small file fits whole', () => {
    const text = 'function a() {\n  return 1;\n}\n';
    const w = fimWindow(text, 17, { prefixTokens: 100, suffixTokens: 100 }, counter);
    assert.equal(w.prefix, 'function a() {\n  ');
    assert.equal(w.suffix, 'return 1;\n}\n');
    assert.equal(w.prefixTruncated, false);
    assert.equal(w.suffixTruncated, false);
  });

  test('cuts on line boundaries and keeps the partial current line whole on both sides', () => {
    const text = lines(400);
    const offset = text.indexOf('line 200 = comp') + 'line 200 = comp'.length;
    const w = fimWindow(text, offset, { prefixTokens: 120, suffixTokens: 60 }, counter);
    assertWindowInvariants(text, offset, w, counter, 120, 60);
    assert.ok(w.prefix.endsWith('line 200 = comp'));
    assert.ok(w.suffix.startsWith('ute(200);\n'));
    assert.equal(text[w.prefixStartOffset - 1], '\n', 'prefix starts at a line start');
    assert.ok(w.suffix.endsWith('\n'), 'suffix ends at a line end');
    assert.ok(w.prefixTruncated && w.suffixTruncated);
  });

  test('CRLF lines are never split between \\r and \\n', () => {
    const text = lines(300).replace(/\n/g, '\r\n');
    const offset = text.indexOf('line 150');
    const w = fimWindow(text, offset, { prefixTokens: 80, suffixTokens: 40 }, counter);
    assertWindowInvariants(text, offset, w, counter, 80, 40);
    assert.ok(w.prefix.startsWith('line '));
    assert.ok(w.suffix.endsWith('\r\n'));
  });

  test('emoji and surrogate pairs: a cursor inside a pair does not split it', () => {
    const text = '// 😀😀😀\nconst face = "😀";\n'.repeat(50);
    for (let offset = 0; offset <= text.length; offset += 7) {
      const w = fimWindow(text, offset, { prefixTokens: 40, suffixTokens: 20 }, counter);
      assertWindowInvariants(text, offset, w, counter, 40, 20);
    }
  });

  test('empty text, cursor at 0, at the end, out of range and NaN', () => {
    const opts = { prefixTokens: 50, suffixTokens: 50 };
    assert.deepEqual(fimWindow('', 0, opts, counter), { prefix: '', suffix: '', prefixStartOffset: 0, suffixEndOffset: 0, prefixTruncated: false, suffixTruncated: false });
    const text = lines(100);
    const atStart = fimWindow(text, 0, opts, counter);
    assert.equal(atStart.prefix, '');
    assert.ok(atStart.suffix.startsWith('line 0 ='));
    const atEnd = fimWindow(text, text.length, opts, counter);
    assert.equal(atEnd.suffix, '');
    assert.ok(atEnd.prefix.endsWith('compute(99);'));
    assert.equal(fimWindow(text, 10 ** 9, opts, counter).suffix, '');
    assert.equal(fimWindow(text, -5, opts, counter).prefix, '');
    assert.equal(fimWindow(text, Number.NaN, opts, counter).suffix, '');
    const zero = fimWindow(text, 500, { prefixTokens: 0, suffixTokens: 0 }, counter);
    assert.equal(zero.prefix, '');
    assert.equal(zero.suffix, '');
  });

  test('a 1 MB single-line minified file: the line is cut by characters next to the cursor', () => {
    const text = 'var a=1;function b(c){return c*2};'.repeat(30_000);
    const offset = 500_000;
    const w = fimWindow(text, offset, { prefixTokens: 300, suffixTokens: 100 }, counter);
    assertWindowInvariants(text, offset, w, counter, 300, 100);
    assert.ok(w.prefix.length > 300 && w.prefix.length < 3000, `prefix of ${w.prefix.length} chars`);
    assert.ok(counter.count(w.prefix) > 250, 'the budget is used');
    assert.ok(w.prefixTruncated && w.suffixTruncated);
  });

  test('binary content with NULs does not crash', () => {
    const rand = seededRandom(3);
    let text = '';
    for (let i = 0; i < 20_000; i++) {
      text += String.fromCharCode(Math.floor(rand() * 256));
    }
    const w = fimWindow(text, 10_000, { prefixTokens: 200, suffixTokens: 100 }, counter);
    assertWindowInvariants(text, 10_000, w, counter, 200, 100);
  });

  test('property: random texts, offsets and budgets keep every invariant (approximate counter)', () => {
    const approx = approximateCounter();
    for (let seed = 1; seed <= 150; seed++) {
      const rand = seededRandom(seed);
      let text = syntheticCode(Math.floor(rand() * 300), seed);
      if (rand() < 0.3) {
        text = text.replace(/\n/g, '\r\n');
      }
      if (rand() < 0.2) {
        text = text.replace(/x/g, '😀');
      }
      const offset = Math.floor(rand() * (text.length + 1));
      const p = Math.floor(rand() * 500);
      const s = Math.floor(rand() * 200);
      assertWindowInvariants(text, offset, fimWindow(text, offset, { prefixTokens: p, suffixTokens: s }, approx), approx, p, s);
    }
  });

  test('the prefix start stays put while the user types: consecutive prompts share ≥ 90 % of their tokens', () => {
    let text = syntheticCode(5000, 11);
    let offset = text.indexOf('\n', Math.floor(text.length * 0.6));
    const opts = { prefixTokens: 1500, suffixTokens: 128 };
    const typed = '\n  const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);\n  return total;'.repeat(4);
    const meter = new PrefixStabilityMeter(counter);
    for (const ch of typed) {
      text = text.slice(0, offset) + ch + text.slice(offset);
      offset += 1;
      const w = fimWindow(text, offset, opts, counter);
      meter.observe(`<PRE>${w.prefix}<SUF>${w.suffix}<MID>`, w.prefix, w.prefixStartOffset);
    }
    assert.equal(meter.ratios.length, typed.length - 1);
    assert.ok(meter.moves <= Math.ceil(typed.length / fimGridChars(opts.prefixTokens)) + 1, `prefix start moved ${meter.moves} times in ${typed.length} keystrokes`);
    assert.ok(meter.meanRatio >= 0.9, `mean shared ratio ${meter.meanRatio.toFixed(3)}`);
    assert.ok(meter.meanPrefixRatio >= 0.95, `mean shared prefix ratio ${meter.meanPrefixRatio.toFixed(3)}`);
  });
  test('hysteresis: the start stays when the cursor moves back up or text is inserted above the window, and moves in large steps', () => {
    const opts = { prefixTokens: 400, suffixTokens: 32 };
    let text = syntheticCode(3000, 5);
    let offset = text.indexOf('\n', Math.floor(text.length * 0.7));
    const first = fimWindow(text, offset, opts, counter);
    assert.ok(first.prefixStartOffset > 0, 'the window must be cut for this test');
    // The cursor moves up two lines: a pure grid could pick an earlier mark; the start in use stays.
    const up = text.lastIndexOf('\n', text.lastIndexOf('\n', offset - 1) - 1);
    assert.equal(fimWindow(text, up, opts, counter).prefixStartOffset, first.prefixStartOffset);
    // A line inserted at the top of the file shifts every offset: the same text still starts the prefix.
    const inserted = "import { extra } from './extra';\n";
    text = inserted + text;
    offset += inserted.length;
    const shifted = fimWindow(text, offset, opts, counter);
    assert.equal(shifted.prefixStartOffset, first.prefixStartOffset + inserted.length);
    assert.ok(shifted.prefix.startsWith(first.prefix.slice(0, 200)));
    // Typing on: the start moves only a few times, each time by a large step.
    const starts = new Set<number>([shifted.prefixStartOffset]);
    const typed = '\n  const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);'.repeat(20);
    for (const ch of typed) {
      text = text.slice(0, offset) + ch + text.slice(offset);
      offset += 1;
      starts.add(fimWindow(text, offset, opts, counter).prefixStartOffset);
    }
    const sorted = [...starts].sort((a, b) => a - b);
    assert.ok(sorted.length - 1 <= Math.ceil(typed.length / fimGridChars(opts.prefixTokens)) + 1, `moved ${sorted.length - 1} times in ${typed.length} keys`);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok((sorted[i] ?? 0) - (sorted[i - 1] ?? 0) >= fimStepChars(opts.prefixTokens) / 2, `a small step: ${sorted.join(', ')}`);
    }
    assert.ok(sorted.length >= 2, 'typing on must have moved the start at least once');
  });

  test('a file that grows past the budget: the start jumps about half a budget ahead, then stays while that much is typed', () => {
    const opts = { prefixTokens: 300, suffixTokens: 16 };
    let text = "// the order totals, grown line by line\n";
    let offset = text.length;
    const line = '  total += item.price * item.quantity; // running sum of the order\n';
    const starts: number[] = [];
    for (let i = 0; i < 200; i++) {
      text = text.slice(0, offset) + line + text.slice(offset);
      offset += line.length;
      const w = fimWindow(text, offset, opts, counter);
      if (starts[starts.length - 1] !== w.prefixStartOffset) {
        starts.push(w.prefixStartOffset);
      }
      assert.ok(counter.count(w.prefix) <= opts.prefixTokens);
    }
    // 200 lines of ~70 characters, a budget of ~1,200 characters: with a jump of ~600 characters, about 20 moves
    // (moving to the next grid mark, ~150 characters, would be ~90).
    assert.ok(starts.length - 1 <= Math.ceil((200 * line.length) / (fimStepChars(opts.prefixTokens) - fimGridChars(opts.prefixTokens))) + 1, `moved ${starts.length - 1} times`);
    for (let i = 2; i < starts.length; i++) {
      assert.ok((starts[i] ?? 0) - (starts[i - 1] ?? 0) >= fimStepChars(opts.prefixTokens) - fimGridChars(opts.prefixTokens) - line.length, `a small step: ${starts.slice(0, 10).join(', ')}`);
    }
  });
});
