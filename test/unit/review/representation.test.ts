import * as assert from 'node:assert/strict';
import type { RawFinding } from '../../../src/review/findings';
import { groundFindings } from '../../../src/review/grounding';
import { diagnosticLevel, fitReplacement, outcomeSummary, positionInDocument, reviewDiagnosticSource, toDiagnostic, toEdit } from '../../../src/review/representation';
import type { ReviewOutcome } from '../../../src/review/runReview';
import { applyChange, applyChanges } from '../../../src/review/tracking';

// The selection starts at document line 5 (0-based 4), column 2 (a selection that starts mid-line).
const text = 'x = compute(a)\n  if (x = 1) {\n    run();\n  }';
const origin = { line: 4, character: 2 };

function raw(over: Partial<RawFinding>): RawFinding {
  return { severity: 'high', category: 'bug', startLine: 6, endLine: 6, quote: 'if (x = 1) {', explanation: 'Assignment in condition.', replacement: 'if (x === 1) {', ...over };
}

suite('review/representation', () => {
  test('offsets map to document positions, the first line shifted by the selection column', () => {
    assert.deepEqual(positionInDocument(text, origin, 0), { line: 4, character: 2 });
    assert.deepEqual(positionInDocument(text, origin, 4), { line: 4, character: 6 });
    assert.deepEqual(positionInDocument(text, origin, 15), { line: 5, character: 0 });
    assert.deepEqual(positionInDocument(text, origin, 17), { line: 5, character: 2 });
    assert.deepEqual(positionInDocument(text, origin, 10_000), { line: 7, character: 3 });
  });

  test('a grounded finding becomes a diagnostic on exactly the quoted code', () => {
    const g = groundFindings([raw({})], { text, startLine: 5 }).findings[0]!;
    const d = toDiagnostic(g, text, origin);
    assert.deepEqual(d.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 14 } });
    assert.equal(d.source, reviewDiagnosticSource);
    assert.equal(d.level, 'error');
    assert.equal(d.code, 'bug');
    assert.match(d.message, /^bug: Assignment in condition\.$/);
  });

  test('a relocated finding says which lines the model cited', () => {
    const g = groundFindings([raw({ startLine: 5, endLine: 5 })], { text, startLine: 5 }).findings[0]!;
    assert.equal(g.placement, 'relocated');
    assert.match(toDiagnostic(g, text, origin).message, /the model cited line 5/);
  });

  test('severity maps to levels; style is at most a hint unless high', () => {
    assert.equal(diagnosticLevel({ severity: 'medium', category: 'bug' }), 'warning');
    assert.equal(diagnosticLevel({ severity: 'low', category: 'performance' }), 'information');
    assert.equal(diagnosticLevel({ severity: 'medium', category: 'style' }), 'hint');
    assert.equal(diagnosticLevel({ severity: 'high', category: 'style' }), 'error');
  });

  test('the quick-fix edit replaces exactly the quoted code, re-fitted to the range', () => {
    const g = groundFindings([raw({ replacement: '    if (x === 1) {\n' })], { text, startLine: 5 }).findings[0]!;
    const e = toEdit(g, text, origin);
    assert.ok(e);
    assert.deepEqual(e.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 14 } });
    assert.equal(e.newText, 'if (x === 1) {');
    assert.equal(e.expectedText, 'if (x = 1) {');
    assert.equal(fitReplacement('\t a\n    b  \n'), 'a\n    b');
  });

  test('no edit without a replacement, or when the replacement changes nothing', () => {
    const none = groundFindings([raw({ replacement: undefined })], { text, startLine: 5 }).findings[0]!;
    assert.equal(toEdit(none, text, origin), undefined);
    const same = groundFindings([raw({ replacement: 'if (x = 1) {' })], { text, startLine: 5 }).findings[0]!;
    assert.equal(toEdit(same, text, origin), undefined);
  });

  test('summaries: empty reviews say so plainly, drops are counted, refusals quoted', () => {
    const grounding = groundFindings([raw({}), raw({ quote: 'deleteEverything()' })], { text, startLine: 5 });
    const review: ReviewOutcome = { kind: 'review', summary: '', grounding, reported: 2, mode: 'json', attempts: 1, notes: [] };
    assert.equal(outcomeSummary(review, 'lines 5-8'), '1 finding in lines 5-8. 1 finding was dropped because the code it quotes is not in the selection.');
    const empty: ReviewOutcome = { ...review, grounding: groundFindings([], { text, startLine: 5 }) };
    assert.equal(outcomeSummary(empty, 'lines 5-8'), 'No findings: the model found nothing to report in lines 5-8.');
    assert.match(outcomeSummary({ kind: 'refusal', message: 'I cannot.', attempts: 1, notes: [] }, 'lines 5-8'), /did not review lines 5-8; it answered: "I cannot\."/);
    assert.match(outcomeSummary({ kind: 'invalid', problems: ['findings: expected array'], lastAnswer: '', attempts: 2, notes: [] }, 'x'), /not a valid review.*findings: expected array/);
  });
});

suite('review/tracking', () => {
  const tracked = [
    { id: 'a', range: { start: { line: 2, character: 0 }, end: { line: 3, character: 5 } } },
    { id: 'b', range: { start: { line: 10, character: 4 }, end: { line: 10, character: 9 } } },
  ];

  test('a change touching a finding\'s lines clears it', () => {
    const r = applyChange(tracked, { range: { start: { line: 3, character: 1 }, end: { line: 3, character: 2 } }, text: 'z' });
    assert.deepEqual(r.removed, ['a']);
    assert.deepEqual(r.kept.map((t) => t.id), ['b']);
  });

  test('a change above moves findings by the lines added or removed; a change below leaves them', () => {
    const added = applyChange(tracked, { range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: 'x\ny\n' });
    assert.deepEqual(added.removed, []);
    assert.deepEqual(added.kept.find((t) => t.id === 'b')?.range.start, { line: 12, character: 4 });
    assert.deepEqual(added.kept.find((t) => t.id === 'a')?.range.start, { line: 2, character: 0 });
    const removed = applyChanges(tracked, [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, text: '' }]);
    assert.deepEqual(removed.kept.map((t) => t.range.start.line), [1, 9]);
  });
});
