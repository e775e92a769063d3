import * as assert from 'node:assert/strict';
import { extractJsonObject, looksLikeRefusal, parseReview } from '../../../src/review/parseReview';
import { parseTextFormat } from '../../../src/review/textFormat';

const finding = { severity: 'low', category: 'style', startLine: 1, endLine: 1, quote: 'var x', explanation: 'Use const.', replacement: 'const x' };

suite('review/parseReview', () => {
  test('structured JSON parses into findings', () => {
    const r = parseReview(JSON.stringify({ summary: 'One nit.', findings: [finding] }));
    assert.equal(r.kind, 'review');
    assert.equal(r.kind === 'review' && r.answer.findings[0]?.replacement, 'const x');
  });

  test('JSON inside a fence, after chatter or after a think block is found', () => {
    const body = JSON.stringify({ summary: 's', findings: [finding] });
    for (const raw of [`Here is my review:\n\`\`\`json\n${body}\n\`\`\`\nHope it helps {really}.`, `<think>the user wants {json}</think>${body}`]) {
      const r = parseReview(raw);
      assert.equal(r.kind, 'review', raw);
    }
    assert.equal(extractJsonObject('x { "a": "}" } y'), '{ "a": "}" }');
  });

  test('a bare array of findings is accepted', () => {
    const r = parseReview(JSON.stringify([finding]));
    assert.equal(r.kind === 'review' && r.answer.findings.length, 1);
  });

  test('schema violations are reported with their paths (for the repair prompt)', () => {
    const r = parseReview(JSON.stringify({ summary: '', findings: [{ ...finding, severity: 'apocalyptic', startLine: -1 }] }));
    assert.equal(r.kind, 'invalid');
    const problems = r.kind === 'invalid' ? r.problems.join('\n') : '';
    assert.match(problems, /findings\[0\]\.severity/);
    assert.match(problems, /findings\[0\]\.startLine/);
  });

  test('truncated JSON and prose are invalid, with a reason', () => {
    const cut = parseReview('{"summary": "x", "findings": [{"severity": "hi');
    assert.equal(cut.kind, 'invalid');
    const prose = parseReview('The code looks like it computes a total.');
    assert.equal(prose.kind, 'invalid');
    assert.match(prose.kind === 'invalid' ? prose.problems[0]! : '', /not JSON/);
    assert.equal(parseReview('   ').kind, 'invalid');
  });

  test('a refusal is recognised, as prose or as an empty review whose summary refuses', () => {
    const prose = parseReview("I'm sorry, but I can't help with reviewing this code.");
    assert.equal(prose.kind, 'refusal');
    const json = parseReview(JSON.stringify({ summary: 'I cannot review code that may be used for malware.', findings: [] }));
    assert.equal(json.kind, 'refusal');
    assert.equal(looksLikeRefusal('The loop is fine.'), false);
  });

  test('an empty review is a review with no findings, not an error', () => {
    const r = parseReview('{"summary": "Looks correct.", "findings": []}');
    assert.equal(r.kind, 'review');
    assert.equal(r.kind === 'review' && r.answer.findings.length, 0);
  });
});

suite('review/textFormat (servers without structured output)', () => {
  const text = [
    'SUMMARY: Two problems.',
    'FINDING',
    'severity: high',
    'category: bug',
    'lines: 3-4',
    'quote:',
    '<<<',
    '  if (a = b) {',
    '    go();',
    '>>>',
    'explanation: Assignment instead of comparison',
    'in the condition.',
    'replacement:',
    '<<<',
    '  if (a === b) {',
    '    go();',
    '>>>',
    'END FINDING',
    'FINDING',
    'severity: low',
    'category: style',
    'lines: 9',
    'quote: var x = 1;',
    'explanation: Prefer const.',
    'replacement:',
    'END FINDING',
  ].join('\n');

  test('blocks parse into the same answer as JSON', () => {
    const r = parseReview(text);
    assert.equal(r.kind, 'review');
    if (r.kind !== 'review') {return;}
    assert.equal(r.answer.summary, 'Two problems.');
    assert.equal(r.answer.findings.length, 2);
    const [a, b] = r.answer.findings;
    assert.equal(a?.quote, '  if (a = b) {\n    go();');
    assert.equal(a?.explanation, 'Assignment instead of comparison in the condition.');
    assert.equal(a?.replacement, '  if (a === b) {\n    go();');
    assert.deepEqual([a?.startLine, a?.endLine], [3, 4]);
    assert.deepEqual([b?.startLine, b?.endLine, b?.quote, b?.replacement], [9, 9, 'var x = 1;', undefined]);
  });

  test('NO FINDINGS is an empty review', () => {
    const r = parseReview('SUMMARY: Fine.\nNO FINDINGS');
    assert.equal(r.kind === 'review' && r.answer.findings.length, 0);
    assert.equal(r.kind === 'review' && r.answer.summary, 'Fine.');
  });

  test('an unclosed block or a bad line range is invalid, naming the finding', () => {
    const r = parseTextFormat('FINDING\nseverity: low\ncategory: bug\nlines: twelve\nquote:\n<<<\nx\nexplanation: y');
    assert.equal(r.kind, 'invalid');
    const p = r.kind === 'invalid' ? r.problems.join(' ') : '';
    assert.match(p, /finding 1/);
    assert.match(p, /lines: twelve/);
  });
});
