import * as assert from 'node:assert/strict';
import { quickQuestionCases, quickQuestionsPromptFile } from '../../../../src/evaluation/builtin/quickQuestions';
import { parseCasesFile, stringifyCases, suiteTask } from '../../../../src/evaluation/cases';
import { parsePromptFile } from '../../../../src/prompts/format';

const looping = ['export function total(items: number[]): number {', '  let sum = 0;', '  for (const i of items) {', '    sum += i;', '  }', '  return sum;', '}'].join('\n');
const plain = ['export function logIt(message: string): void {', '  const line = `[app] ${message}`;', '  console.log(line);', '}'].join('\n');

/** Whether every check of the case named `prefix…` passes on `answer`. */
function passes(file: string, prefix: string, answer: string): boolean {
  const suite = parseCasesFile(file, 'quick-questions.cases.yaml');
  assert.deepEqual(suite.problems, []);
  const found = suite.cases.find((c) => c.name.startsWith(prefix));
  assert.ok(found, `a case ${prefix}`);
  return found.checks.every((check) => check.run(answer).pass);
}

suite('evaluation: built-in quick-questions suite', () => {
  test('three questions per function, answered by the code itself: right answers pass, wrong ones fail', () => {
    const specs = quickQuestionCases([
      { path: 'src/sum.ts', language: 'typescript', text: `${looping}\n` },
      { path: 'src/log.ts', language: 'typescript', text: `${plain}\n` },
      { path: 'src/c.py', language: 'python', text: 'def f():\n    return 1\n' },
    ]);
    assert.deepEqual(
      specs.map((s) => s.name),
      ['name: total (src/sum.ts:1)', 'loops: total (src/sum.ts:1)', 'returns: total (src/sum.ts:1)', 'name: logIt (src/log.ts:1)', 'loops: logIt (src/log.ts:1)', 'returns: logIt (src/log.ts:1)'],
    );
    assert.equal(specs[0]?.selection, looping);
    const file = stringifyCases(specs, 'chat');
    assert.equal(suiteTask(parseCasesFile(file, 'quick-questions.cases.yaml')), 'chat');
    assert.equal(passes(file, 'name: total', '`total`'), true);
    assert.equal(passes(file, 'name: total', 'sum'), false);
    assert.equal(passes(file, 'name: total', `It is total, ${'and so on '.repeat(10)}`), false, 'a quick answer is short');
    assert.equal(passes(file, 'loops: total', 'Yes, a for…of loop.'), true);
    assert.equal(passes(file, 'loops: total', 'No.'), false);
    assert.equal(passes(file, 'loops: logIt', '**No**'), true);
    assert.equal(passes(file, 'returns: total', 'yes'), true);
    assert.equal(passes(file, 'returns: logIt', 'No, it returns nothing.'), true);
    assert.equal(passes(file, 'returns: logIt', 'Yes'), false);
  });

  test('the prompt asks the question of each case about the selection', () => {
    const prompt = parsePromptFile(quickQuestionsPromptFile(), 'quick-questions.tiered.md');
    assert.ok(prompt.ok);
    assert.match(prompt.prompt.body, /\$\{input:question\}/);
  });
});
