import * as assert from 'node:assert/strict';
import { categories, rawFindingSchema, reviewAnswerSchema, reviewJsonSchema, severities } from '../../../src/review/findings';

const valid = { severity: 'high', category: 'bug', startLine: 3, endLine: 4, quote: 'a = b', explanation: 'Assignment in a condition.', replacement: 'a === b' };

suite('review/findings schema', () => {
  test('a well-formed finding parses with its values', () => {
    const f = rawFindingSchema.parse(valid);
    assert.deepEqual(f, { ...valid, severity: 'high', category: 'bug' });
  });

  test('severity and category synonyms and case are normalised; numeric strings become lines', () => {
    const f = rawFindingSchema.parse({ ...valid, severity: 'Critical', category: 'Maintainability', startLine: '7', endLine: ' 9 ' });
    assert.equal(f.severity, 'high');
    assert.equal(f.category, 'readability');
    assert.equal(f.startLine, 7);
    assert.equal(f.endLine, 9);
    assert.equal(rawFindingSchema.parse({ ...valid, severity: 'nit' }).severity, 'low');
    assert.equal(rawFindingSchema.parse({ ...valid, severity: 'WARNING' }).severity, 'medium');
  });

  test('an empty or null replacement means no fix; swapped lines are put in order', () => {
    assert.equal(rawFindingSchema.parse({ ...valid, replacement: '' }).replacement, undefined);
    assert.equal(rawFindingSchema.parse({ ...valid, replacement: '  \n' }).replacement, undefined);
    assert.equal(rawFindingSchema.parse({ ...valid, replacement: null }).replacement, undefined);
    const { replacement: _omit, ...noReplacement } = valid;
    assert.equal(rawFindingSchema.parse(noReplacement).replacement, undefined);
    const swapped = rawFindingSchema.parse({ ...valid, startLine: 9, endLine: 4 });
    assert.deepEqual([swapped.startLine, swapped.endLine], [4, 9]);
  });

  test('unknown severities/categories, zero lines and empty explanations are rejected', () => {
    assert.equal(rawFindingSchema.safeParse({ ...valid, severity: 'catastrophic' }).success, false);
    assert.equal(rawFindingSchema.safeParse({ ...valid, category: 'vibes' }).success, false);
    assert.equal(rawFindingSchema.safeParse({ ...valid, startLine: 0 }).success, false);
    assert.equal(rawFindingSchema.safeParse({ ...valid, startLine: 2.5 }).success, false);
    assert.equal(rawFindingSchema.safeParse({ ...valid, explanation: '  ' }).success, false);
    assert.equal(rawFindingSchema.safeParse({ ...valid, quote: undefined }).success, false);
  });

  test('the answer schema accepts an empty review and a missing summary', () => {
    assert.deepEqual(reviewAnswerSchema.parse({ findings: [] }), { summary: '', findings: [] });
    assert.equal(reviewAnswerSchema.parse({ summary: 'ok', findings: [valid] }).findings.length, 1);
  });

  test('the JSON schema sent as format lists the same enums and requires every field (strict mode)', () => {
    const props = reviewJsonSchema.properties as Record<string, { items: { properties: Record<string, { enum?: string[] }>; required: string[]; additionalProperties: boolean } }>;
    const item = props.findings!.items;
    assert.deepEqual(item.properties.severity!.enum, [...severities]);
    assert.deepEqual(item.properties.category!.enum, [...categories]);
    assert.deepEqual([...item.required].sort(), Object.keys(item.properties).sort());
    assert.equal(item.additionalProperties, false);
    assert.deepEqual(reviewJsonSchema.required, ['summary', 'findings']);
    // Every property the JSON schema asks for is one the zod schema reads.
    const sample = Object.fromEntries(Object.keys(item.properties).map((k) => [k, (valid as Record<string, unknown>)[k]]));
    assert.equal(rawFindingSchema.safeParse(sample).success, true);
  });
});
