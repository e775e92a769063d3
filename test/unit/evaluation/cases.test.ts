import * as assert from 'node:assert/strict';
import { casesFileFor, parseCasesFile, stringifyCases } from '../../../src/evaluation/cases';

const good = `cases:
  - name: spots the off-by-one
    vars: { audience: a newcomer, depth: 2 }
    selection: |
      for (let i = 0; i <= items.length; i++) {}
    language: typescript
    checks:
      - { type: contains, value: "<=" }
      - { type: finding-at-line, line: 1 }
    rubric:
      - Says the loop reads one element past the end
  - name: short answer
    checks:
      - { type: length, max: 400 }
`;

suite('evaluation cases file', () => {
  test('a cases file sits next to its prompt', () => {
    assert.equal(casesFileFor('/w/.tiered/prompts/explain.tiered.md'), '/w/.tiered/prompts/explain.cases.yaml');
    assert.equal(casesFileFor('old.prompt.md'), 'old.cases.yaml');
  });

  test('reads cases with vars, code, checks and rubric', () => {
    const suite = parseCasesFile(good, 'explain.cases.yaml');
    assert.deepEqual(suite.problems, []);
    assert.equal(suite.cases.length, 2);
    const first = suite.cases[0];
    assert.ok(first);
    assert.deepEqual(first.vars, { audience: 'a newcomer', depth: '2' });
    assert.match(first.selection ?? '', /items\.length/);
    assert.deepEqual(first.checks.map((c) => c.label), ['contains "<="', 'finding at line 1']);
    assert.deepEqual(first.rubric, ['Says the loop reads one element past the end']);
  });

  test('a malformed case is reported by name and the rest of the suite is kept', () => {
    const source = `cases:
  - name: fine
    checks: [{ type: contains, value: x }]
  - name: unknown kind
    checks: [{ type: javascript, value: "process.exit()" }]
  - name: bad regex
    checks: [{ type: regex, pattern: "(a+)+$" }]
  - name: nothing to check
  - checks: [{ type: contains, value: y }]
  - name: fine
    checks: [{ type: contains, value: z }]
  - name: also fine
    rubric: [Is polite]
`;
    const suite = parseCasesFile(source, 'p.cases.yaml');
    assert.deepEqual(suite.cases.map((c) => c.name), ['fine', 'also fine']);
    const messages = suite.problems.map((p) => p.message);
    assert.equal(messages.length, 5);
    assert.match(messages[0] ?? '', /^case 2 "unknown kind": checks\.0\.type: type must be one of/);
    assert.match(messages[1] ?? '', /^case 4 "nothing to check": .*could never fail/);
    assert.match(messages[2] ?? '', /^case 5: name: /);
    assert.match(messages[3] ?? '', /^case "bad regex": checks\.0: regex .* refused/);
    assert.match(messages[4] ?? '', /^case "fine": another case has the same name/);
    assert.equal(suite.problems[0]?.caseName, 'unknown kind');
  });

  test('a broken or hostile file gives one clear problem and no cases', () => {
    const cases: [string, RegExp][] = [
      ['cases: [', /line 1: /],
      ['just text', /a map with a "cases:" list/],
      ['a: &x [1]\ncases: *x', /aliases/],
      ['cases:\n  - name: x\n    __proto__: { polluted: true }\n    checks: [{ type: contains, value: a }]', /"cases\.0\.__proto__" is not allowed/],
      [`cases: ${'['.repeat(100)}`, /nested too deeply/],
    ];
    for (const [source, message] of cases) {
      const suite = parseCasesFile(source, 'x.cases.yaml');
      assert.equal(suite.cases.length, 0, source);
      assert.match(suite.problems[0]?.message ?? '', message, source);
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('cases written back read the same', () => {
    const suite = parseCasesFile(good, 'a.cases.yaml');
    const again = parseCasesFile(stringifyCases(suite.cases.map((c) => c.spec)), 'a.cases.yaml');
    assert.deepEqual(again.cases.map((c) => c.spec), suite.cases.map((c) => c.spec));
  });
});
