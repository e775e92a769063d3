import * as assert from 'node:assert/strict';
import { explainCases, explainPromptFile } from '../../../../src/evaluation/builtin/explainSuite';
import { parseCasesFile, stringifyCases, suiteTask } from '../../../../src/evaluation/cases';
import { parsePromptFile } from '../../../../src/prompts/format';

const body = (name: string, lines: number): string => [`export function ${name}(a: number): number {`, ...Array.from({ length: lines - 2 }, (_, i) => `  a += ${i};`), '}'].join('\n');

suite('evaluation: built-in explain suite', () => {
  test('one function of 5–40 lines per file, judged on the rubric, read back as an explain suite', () => {
    const files = [
      { path: 'src/a.ts', language: 'typescript', text: `${body('tiny', 3)}\n\n${body('mid', 8)}\n` },
      { path: 'src/b.ts', language: 'typescript', text: `${body('huge', 60)}\n` },
      { path: 'src/c.py', language: 'python', text: 'def f():\n    return 1\n' },
    ];
    const specs = explainCases(files);
    assert.deepEqual(
      specs.map((s) => s.name),
      ['explain mid (src/a.ts:5)'],
    );
    assert.equal(specs[0]?.rubric?.length, 3);
    assert.equal(specs[0]?.selection, body('mid', 8));
    const suite = parseCasesFile(stringifyCases(specs, 'explain'), 'explain-my-code.cases.yaml');
    assert.deepEqual(suite.problems, []);
    assert.equal(suiteTask(suite), 'explain');
    const prompt = parsePromptFile(explainPromptFile(), 'explain-my-code.tiered.md');
    assert.ok(prompt.ok);
    assert.match(prompt.prompt.body, /expert programmer explaining code/);
  });
});
