import * as assert from 'node:assert/strict';
import { exportCsv, exportJson } from '../../../src/evaluation/export';
import { importPromptfoo } from '../../../src/evaluation/promptfoo';
import { evalRunSchema, summarizeCell } from '../../../src/evaluation/results';
import type { EvalRun } from '../../../src/evaluation/results';

const valid = `
description: Translation checks
prompts:
  - "Translate to {{language}}: {{ input }}"
  - { raw: "Say \${literal} {{input}}", label: Literal }
providers: [openai:gpt-4o]
defaultTest:
  vars: { language: French }
  assert:
    - { type: not-icontains, value: "as an AI" }
tests:
  - description: hello
    vars: { input: Hello }
    assert:
      - { type: icontains, value: bonjour }
      - { type: equals, value: Bonjour }
      - { type: regex, value: "^B" }
      - { type: not-regex, value: "\\\\d" }
      - { type: llm-rubric, value: Is a natural French greeting }
  - vars: { input: '{"a":1}', language: JSON }
    assert:
      - { type: is-json, value: { type: object, required: [a] } }
      - { type: contains-json }
      - { type: not-contains, value: error }
      - { type: contains, value: a }
`;

suite('evaluation promptfoo import and export', () => {
  test('prompts, vars and every supported assert are imported', () => {
    const imported = importPromptfoo(valid);
    assert.equal(imported.error, undefined);
    assert.deepEqual(imported.refused, []);
    assert.deepEqual(imported.prompts, [
      { name: 'promptfoo prompt 1', body: 'Translate to ${input:language}: ${input:input}', variables: ['language', 'input'] },
      { name: 'Literal', body: 'Say $${literal} ${input:input}', variables: ['input'] },
    ]);
    const [hello, json] = imported.caseSpecs;
    assert.equal(hello?.name, 'hello');
    assert.deepEqual(hello?.vars, { language: 'French', input: 'Hello' });
    assert.deepEqual(hello?.checks?.map((c) => c.type), ['not-contains', 'contains', 'equals', 'regex', 'regex']);
    assert.deepEqual(hello?.rubric, ['Is a natural French greeting']);
    assert.equal(json?.name, 'test 2');
    assert.deepEqual(json?.vars, { language: 'JSON', input: '{"a":1}' });
    const labels = imported.cases[1]?.checks.map((c) => c.label);
    assert.deepEqual(labels, ['not-contains (any case) "as an AI"', 'is JSON matching the schema', 'contains JSON', 'not-contains "error"', 'contains "a"']);
    const notRegex = imported.cases[0]?.checks[4];
    assert.equal(notRegex?.run('Bonjour 1').pass, false);
    assert.equal(notRegex?.run('Bonjour').pass, true);
  });

  test('anything that would run code, or read other files, is refused with a reason; the rest is kept', () => {
    const hostile = `
prompts:
  - file://prompts/make.py
  - file://prompt.txt
  - "Hi {{ name | upper }}"
  - "Fine {{name}}"
tests:
  - file://more_tests.yaml
  - description: code
    vars: { name: x }
    assert:
      - { type: javascript, value: "require('child_process').exec('rm -rf ~')" }
      - { type: python, value: "import os" }
      - { type: webhook, value: "http://evil.example" }
      - { type: contains, value: "file://script.js" }
      - { type: similar, value: x }
      - { type: regex, value: "(a+)+$" }
  - description: kept
    vars: { name: y }
    assert: [{ type: contains, value: y }]
  - description: file var
    vars: { name: file://secrets.txt }
    assert: [{ type: contains, value: y }]
  - description: matrix
    vars: { name: [a, b] }
    assert: [{ type: contains, value: y }]
`;
    const imported = importPromptfoo(hostile);
    assert.deepEqual(imported.prompts.map((p) => p.name), ['promptfoo prompt 4']);
    assert.deepEqual(imported.caseSpecs.map((c) => c.name), ['kept']);
    const reasons = imported.refused.map((r) => `${r.where}: ${r.reason}`);
    assert.match(reasons[0] ?? '', /^prompts\[0\]: file:\/\/prompts\/make\.py is a script: importing never runs code/);
    assert.match(reasons[1] ?? '', /^prompts\[1\]: .*not followed/);
    assert.match(reasons[2] ?? '', /^prompts\[2\]: uses Nunjucks/);
    const all = reasons.join('\n');
    assert.match(all, /tests\[0\]: .*not followed/);
    assert.match(all, /tests\[1\]\.assert\[0\]: "javascript" asserts run code/);
    assert.match(all, /tests\[1\]\.assert\[1\]: "python" asserts run code/);
    assert.match(all, /tests\[1\]\.assert\[2\]: "webhook" asserts run code/);
    assert.match(all, /tests\[1\]\.assert\[3\]: file:\/\/script\.js is a script/);
    assert.match(all, /tests\[1\]\.assert\[4\]: "similar" asserts are not supported/);
    assert.match(all, /test "code": case "code": checks\.0: regex .* refused/);
    assert.match(all, /tests\[3\]\.vars\.name: .*not followed/);
    assert.match(all, /tests\[4\]\.vars\.name: only text/);
  });

  test('a broken or hostile file gives one clear error', () => {
    assert.match(importPromptfoo('prompts: [').error ?? '', /^line 1: /);
    assert.match(importPromptfoo('a: &a [x]\nprompts: *a').error ?? '', /aliases/);
    assert.match(importPromptfoo('prompts: 3').error ?? '', /not a promptfoo configuration: prompts/);
    assert.match(importPromptfoo('tests:\n  - __proto__: { polluted: 1 }').error ?? '', /not allowed/);
  });

  test('export as JSON reads back, and as CSV one row per item with formulas defused', () => {
    const cell = summarizeCell('=HYPERLINK("x")', 'm:7b', [
      { answer: 'a', checks: [{ label: 'contains "a, b"', pass: true, detail: '' }], verdicts: [{ criterion: 'Is "kind"', status: 'judge-failed', reason: 'r' }], timeToFirstTokenMs: 12, totalMs: 40, promptTokens: 3, generatedTokens: 2 },
    ]);
    const run: EvalRun = { version: 1, id: 'r1', suite: 'S', startedAt: 'x', status: 'finished', models: ['m:7b'], cases: ['=HYPERLINK("x")'], repeats: 1, cells: [cell] };
    assert.deepEqual(evalRunSchema.parse(JSON.parse(exportJson(run))), run);
    const lines = exportCsv(run).split('\r\n');
    assert.equal(lines.length, 4);
    assert.ok(lines[0]?.startsWith('suite,run,model,case,status,kind,item,passes'));
    assert.equal(lines[1], `S,r1,m:7b,"'=HYPERLINK(""x"")",done,check,"contains ""a, b""",1,0,0,1,0.5,12,40,5,`);
    assert.equal(lines[2], `S,r1,m:7b,"'=HYPERLINK(""x"")",done,criterion,"Is ""kind""",0,0,1,0,0.5,12,40,5,`);
  });
});
