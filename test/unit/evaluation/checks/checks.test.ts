import * as assert from 'node:assert/strict';
import { compileCheck } from '../../../../src/evaluation/checks/compile';
import { catastrophicReason } from '../../../../src/evaluation/checks/regex';
import { editDistance, similarity } from '../../../../src/evaluation/checks/similarity';
import type { Check, CheckSpec } from '../../../../src/evaluation/checks/spec';

function check(spec: CheckSpec): Check {
  const compiled = compileCheck(spec);
  if (!compiled.ok) {
    throw new Error(compiled.error);
  }
  return compiled.check;
}

function error(spec: CheckSpec): string {
  const compiled = compileCheck(spec);
  assert.equal(compiled.ok, false, 'expected a compile error');
  return compiled.ok ? '' : compiled.error;
}

suite('evaluation checks', () => {
  test('equals ignores surrounding whitespace, and case only when asked', () => {
    assert.equal(check({ type: 'equals', value: 'Paris' }).run('  Paris\n').pass, true);
    assert.equal(check({ type: 'equals', value: 'Paris' }).run('paris').pass, false);
    assert.equal(check({ type: 'equals', value: 'Paris', ignoreCase: true }).run('PARIS').pass, true);
    assert.equal(check({ type: 'equals', value: 'Paris' }).run('Paris, France').pass, false);
  });

  test('contains and not-contains', () => {
    assert.equal(check({ type: 'contains', value: 'index' }).run('the index is off').pass, true);
    assert.equal(check({ type: 'contains', value: 'Index' }).run('the index is off').pass, false);
    assert.equal(check({ type: 'contains', value: 'Index', ignoreCase: true }).run('the index is off').pass, true);
    assert.equal(check({ type: 'not-contains', value: 'TODO' }).run('done').pass, true);
    assert.equal(check({ type: 'not-contains', value: 'TODO' }).run('a TODO left').pass, false);
  });

  test('regex matches, negates, and refuses invalid patterns with the reason', () => {
    assert.equal(check({ type: 'regex', pattern: '\\bi\\s*<=\\s*\\w+\\.length' }).run('for (i <= a.length)').pass, true);
    assert.equal(check({ type: 'regex', pattern: 'foo', flags: 'i' }).run('FOO').pass, true);
    assert.equal(check({ type: 'regex', pattern: 'foo', negate: true }).run('bar').pass, true);
    assert.equal(check({ type: 'regex', pattern: 'foo', negate: true }).run('foo').pass, false);
    assert.match(error({ type: 'regex', pattern: '(unclosed' }), /invalid regex "\(unclosed".*/);
  });

  test('regex refuses catastrophic patterns and keeps ordinary ones', () => {
    for (const bad of ['(a+)+$', '(\\w*)*x', '((ab)+c)*', '(a|aa)+$', '(x+x+)+y', '(.*)\\1', '(?:a{1,100})+', '(-.+)+$', '(a\\w+)+$']) {
      assert.ok(catastrophicReason(bad) !== undefined, `should refuse ${bad}`);
      assert.match(error({ type: 'regex', pattern: bad }), /refused: .*(exponential)/);
    }
    for (const good of ['(,\\d+)*', '(foo|bar)+', '\\d+-\\d+', '[a-z]+(\\.[a-z]+)*', '^(ab)?c{2,3}$', '[(+)]+', 'a\\(b+\\)+']) {
      assert.equal(catastrophicReason(good), undefined, `should accept ${good}`);
    }
  });

  test('json: valid, fenced, embedded, schema match and mismatch', () => {
    assert.equal(check({ type: 'json' }).run('{"a": 1}').pass, true);
    assert.equal(check({ type: 'json' }).run('```json\n[1, 2]\n```').pass, true);
    const notJson = check({ type: 'json' }).run('Sure! {"a": 1}');
    assert.equal(notJson.pass, false);
    assert.match(notJson.detail, /not valid JSON/);
    assert.equal(check({ type: 'json', embedded: true }).run('Sure! {"a": 1} done').pass, true);
    const schema = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, age: { type: 'integer' } } };
    assert.equal(check({ type: 'json', schema }).run('{"name": "x", "age": 3}').pass, true);
    const bad = check({ type: 'json', schema }).run('{"age": 3.5}');
    assert.equal(bad.pass, false);
    assert.match(bad.detail, /name/);
  });

  test('json: a broken schema or a dangerous schema pattern is a compile error', () => {
    assert.match(error({ type: 'json', schema: { type: 'no-such-type' } }), /invalid JSON schema/);
    assert.match(error({ type: 'json', schema: { type: 'string', pattern: '(a+)+$' } }), /refused/);
  });

  test('code-block with and without a language', () => {
    const answer = 'Here:\n```ts\nconst a = 1;\n```\n';
    assert.equal(check({ type: 'code-block' }).run(answer).pass, true);
    assert.equal(check({ type: 'code-block', language: 'TS' }).run(answer).pass, true);
    assert.equal(check({ type: 'code-block', language: 'python' }).run(answer).pass, false);
    assert.equal(check({ type: 'code-block' }).run('inline `code` only').pass, false);
    assert.equal(check({ type: 'code-block' }).run('```ts\nnever closed').pass, false);
  });

  test('length in chars, words and lines', () => {
    assert.equal(check({ type: 'length', max: 5 }).run('hello').pass, true);
    assert.equal(check({ type: 'length', max: 4 }).run('hello').pass, false);
    assert.equal(check({ type: 'length', min: 3, unit: 'words' }).run('one two').pass, false);
    assert.equal(check({ type: 'length', min: 2, max: 2, unit: 'lines' }).run('a\nb\n').pass, true);
    assert.equal(check({ type: 'length', max: 3 }).run('<think>long long reasoning</think>abc').pass, true);
  });

  test('finding-at-line reads the review answer, with tolerance, refusal and nonsense', () => {
    const review = JSON.stringify({
      summary: 'one bug',
      findings: [{ severity: 'high', category: 'bug', startLine: 12, endLine: 13, quote: 'i <= n', explanation: 'off by one', replacement: '' }],
    });
    assert.equal(check({ type: 'finding-at-line', line: 13 }).run(review).pass, true);
    const miss = check({ type: 'finding-at-line', line: 20 }).run(review);
    assert.equal(miss.pass, false);
    assert.match(miss.detail, /12–13/);
    assert.equal(check({ type: 'finding-at-line', line: 15, tolerance: 2 }).run(review).pass, true);
    const refusal = check({ type: 'finding-at-line', line: 1 }).run("I'm sorry, I can't help with that.");
    assert.equal(refusal.pass, false);
    assert.match(refusal.detail, /refused/);
    assert.match(check({ type: 'finding-at-line', line: 1 }).run('lorem ipsum').detail, /not a review/);
  });

  test('similar: exact by default, edit similarity with a threshold', () => {
    assert.equal(check({ type: 'similar', expected: 'return a + b;' }).run('return a + b;\n').pass, true);
    assert.equal(check({ type: 'similar', expected: 'return a + b;' }).run('return a + c;').pass, false);
    assert.equal(check({ type: 'similar', expected: 'return a + b;', min: 0.9 }).run('return a + c;').pass, true);
    assert.equal(check({ type: 'similar', expected: 'return a + b;', min: 0.9 }).run('throw new Error()').pass, false);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(similarity('', ''), 1);
  });
});
