import * as assert from 'node:assert/strict';
import type { RawFinding } from '../../../src/review/findings';
import { cleanQuotedCode, groundFindings, quoteParts } from '../../../src/review/grounding';

// Lines 10..16 of a document.
const selection = {
  startLine: 10,
  text: ['function total(items) {', '  let sum = 0;', '  for (let i = 0; i <= items.length; i++) {', '    sum += items[i].price;', '  }', '  if (sum = 0) return null;', '  return sum;'].join('\n'),
};

function finding(over: Partial<RawFinding>): RawFinding {
  return { severity: 'medium', category: 'bug', startLine: 12, endLine: 12, quote: '', explanation: 'x', replacement: undefined, ...over };
}

suite('review/grounding', () => {
  test('a quote at its claimed lines is kept exactly, with the exact character range', () => {
    const r = groundFindings([finding({ startLine: 12, endLine: 12, quote: 'i <= items.length' })], selection);
    assert.equal(r.findings.length, 1);
    const f = r.findings[0]!;
    assert.equal(f.placement, 'exact');
    assert.equal(f.location.startLine, 12);
    assert.equal(f.location.endLine, 12);
    assert.equal(selection.text.slice(f.location.startOffset, f.location.endOffset), 'i <= items.length');
    assert.equal(r.relocated, 0);
    assert.equal(r.dropped.length, 0);
  });

  test('whitespace differences (indentation, spacing, line breaks) do not matter', () => {
    const r = groundFindings([finding({ startLine: 12, endLine: 13, quote: 'for (let i=0; i<=items.length; i++) {\nsum += items[i].price;' })], selection);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.placement, 'exact');
    assert.deepEqual([r.findings[0]!.location.startLine, r.findings[0]!.location.endLine], [12, 13]);
    assert.match(r.findings[0]!.matchedText, /^for \(let i = 0;[\s\S]*\.price;$/);
  });

  test('non-breaking and zero-width spaces, tabs and CRLF count as whitespace', () => {
    const text = 'if\u00a0(a)\r\n\t{\u200b b(); }';
    const r = groundFindings([finding({ startLine: 1, endLine: 2, quote: 'if (a) { b(); }' })], { text, startLine: 1 });
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.matchedText, text);
  });

  test('a quote cited at the wrong lines is relocated to where it is', () => {
    const r = groundFindings([finding({ startLine: 11, endLine: 11, quote: 'if (sum = 0) return null;' })], selection);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.placement, 'relocated');
    assert.equal(r.findings[0]!.location.startLine, 15);
    assert.equal(r.findings[0]!.claimedStartLine, 11);
    assert.equal(r.relocated, 1);
  });

  test('lines outside the selection are relocated too; the occurrence nearest the claim wins', () => {
    const text = 'x = 1\ny = 2\nz = 3\nx = 1\nx = 1';
    const r = groundFindings([finding({ startLine: 90, endLine: 90, quote: 'x = 1' }), finding({ startLine: 2, endLine: 2, quote: 'x = 1', explanation: 'other' })], { text, startLine: 1 });
    assert.deepEqual(
      r.findings.map((f) => [f.location.startLine, f.placement]),
      [
        [1, 'relocated'],
        [5, 'relocated'],
      ],
    );
  });

  test('invented code is dropped and counted, never shown', () => {
    const r = groundFindings(
      [finding({ quote: 'items.forEach(async (x) => await save(x));' }), finding({ startLine: 16, endLine: 16, quote: 'return sum;' }), finding({ quote: '   ' })],
      selection,
    );
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.location.startLine, 16);
    assert.equal(r.dropped.length, 2);
    assert.deepEqual(r.dropped.map((d) => d.reason).sort(), ['emptyQuote', 'quoteNotFound']);
  });

  test('a copied gutter and a code fence around the quote are ignored', () => {
    assert.equal(cleanQuotedCode('```ts\n12 | let sum = 0;\n13 | return sum;\n```'), 'let sum = 0;\nreturn sum;');
    const r = groundFindings([finding({ startLine: 11, endLine: 11, quote: '11 |   let sum = 0;' })], selection);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.placement, 'exact');
  });

  test('an abbreviated quote (ellipsis line) matches its parts in order, and its replacement is not applied', () => {
    assert.deepEqual(quoteParts('function total(items) {\n  ...\n  return sum;'), ['functiontotal(items){', 'returnsum;']);
    const r = groundFindings([finding({ startLine: 10, endLine: 16, quote: 'function total(items) {\n// ...\nreturn sum;', replacement: 'function total() {}' })], selection);
    assert.equal(r.findings.length, 1);
    assert.deepEqual([r.findings[0]!.location.startLine, r.findings[0]!.location.endLine], [10, 16]);
    assert.equal(r.findings[0]!.replacement, undefined);
    // Parts out of order are not a match.
    assert.equal(groundFindings([finding({ quote: 'return sum;\n...\nfunction total(items) {' })], selection).dropped.length, 1);
  });

  test('the spread operator inside a line is code, not an ellipsis', () => {
    const r = groundFindings([finding({ startLine: 1, endLine: 1, quote: 'f(...args)' })], { text: 'f(...args)', startLine: 1 });
    assert.equal(r.findings.length, 1);
  });

  test('repeated identical findings are merged and counted; results come in document order', () => {
    const f = finding({ startLine: 16, endLine: 16, quote: 'return sum;', explanation: 'Same.' });
    const r = groundFindings([f, f, finding({ startLine: 10, endLine: 10, quote: 'function total' })], selection);
    assert.equal(r.findings.length, 2);
    assert.equal(r.duplicates, 1);
    assert.deepEqual(r.findings.map((x) => x.location.startLine), [10, 16]);
  });
});
