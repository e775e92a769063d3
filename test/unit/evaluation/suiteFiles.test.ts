import * as assert from 'node:assert/strict';
import { casePrompt } from '../../../src/evaluation/casePrompt';
import { loadSuite, promptFilesFor } from '../../../src/evaluation/suiteFiles';

const files: Record<string, string> = {
  '/w/.tiered/prompts/explain.tiered.md': '---\nname: Explain for ${input:audience}\nvariables:\n  audience: Who reads it\n---\nExplain this ${language} code to ${input:audience}.',
  '/w/.tiered/prompts/explain.cases.yaml': 'cases:\n  - name: loop\n    vars: { audience: a newcomer }\n    selection: "for (;;) {}"\n    language: typescript\n    checks: [{ type: contains, value: loop }]\n  - name: broken\n    checks: [{ type: regex, pattern: "(" }]\n',
  '/w/orphan.cases.yaml': 'cases: []',
  '/w/bad.cases.yaml': 'cases: []',
  '/w/bad.tiered.md': '---\nname: [unclosed\n---\nx',
};
const read = (file: string): Promise<string> => (file in files ? Promise.resolve(files[file] ?? '') : Promise.reject(new Error('ENOENT')));

suite('evaluation suite files', () => {
  test('a cases file belongs to the prompt next to it', () => {
    assert.deepEqual(promptFilesFor('/w/a.cases.yaml'), ['/w/a.tiered.md', '/w/a.prompt.md']);
  });

  test('loads the prompt and its cases; a broken case is reported, the others run; the case prompt is filled and laid out', async () => {
    const loaded = await loadSuite('/w/.tiered/prompts/explain.cases.yaml', read);
    assert.ok(loaded.ok);
    assert.equal(loaded.prompt.definition.name, 'Explain for ${input:audience}');
    assert.deepEqual(loaded.suite.cases.map((c) => c.name), ['loop']);
    assert.match(loaded.suite.problems[0]?.message ?? '', /case "broken": checks\.0: invalid regex/);
    const testCase = loaded.suite.cases[0];
    assert.ok(testCase);
    const text = casePrompt(loaded.prompt, testCase);
    assert.ok(text.startsWith('Explain this typescript code to a newcomer.'));
    assert.ok(text.trimEnd().endsWith('```typescript\nfor (;;) {}\n```'), text);
  });

  test('a missing or malformed prompt is a clear error', async () => {
    const orphan = await loadSuite('/w/orphan.cases.yaml', read);
    assert.ok(!orphan.ok);
    assert.match(orphan.message, /no saved prompt next to \/w\/orphan\.cases\.yaml/);
    const bad = await loadSuite('/w/bad.cases.yaml', read);
    assert.ok(!bad.ok);
    assert.match(bad.message, /the prompt \/w\/bad\.tiered\.md is malformed: line/);
    const missing = await loadSuite('/w/none.cases.yaml', read);
    assert.ok(!missing.ok);
    assert.match(missing.message, /could not be read/);
  });
});
