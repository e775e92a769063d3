import * as assert from 'node:assert/strict';
import { extractFunctions, plantBug, seededBugCases, seededBugsPromptFile } from '../../../../src/evaluation/builtin/seededBugs';
import { compileCheck } from '../../../../src/evaluation/checks/compile';
import { parseCasesFile, stringifyCases, suiteTask } from '../../../../src/evaluation/cases';
import { parsePromptFile } from '../../../../src/prompts/format';

const source = [
  'import { x } from "y";',
  '',
  'export function sum(items: number[]): number {',
  '  let total = 0;',
  '  for (let i = 0; i < items.length; i++) {',
  '    total += items[i];',
  '  }',
  '  return total;',
  '}',
  '',
  'export async function load(url: string): Promise<string> {',
  '  const res = await fetch(url);',
  '  if (res.status === 200 && res.ok) {',
  '    return res.text();',
  '  }',
  '  return "";',
  '}',
  '',
  'const tiny = () => 1;',
].join('\n');

suite('evaluation: built-in review suite with seeded bugs', () => {
  test('finds the functions of a file, with their first line', () => {
    const fns = extractFunctions({ path: 'src/a.ts', text: source, language: 'typescript' });
    assert.deepEqual(
      fns.map((f) => [f.name, f.line, f.text.split('\n').length]),
      [
        ['sum', 3, 7],
        ['load', 11, 7],
      ],
    );
    assert.deepEqual(extractFunctions({ path: 'a.py', text: 'def f():\n  return 1\n', language: 'python' }), []);
  });

  test('plants one bug in the body and says on which line of the copy', () => {
    const planted = plantBug(source.split('\n').slice(2, 9).join('\n'));
    assert.equal(planted?.bug, 'loop bound off by one');
    assert.equal(planted?.line, 3);
    assert.match(planted?.text.split('\n')[2] ?? '', /i <= items\.length/);
    const awaitOnly = plantBug('async function f() {\n  const a = await g();\n  return a;\n}');
    assert.deepEqual([awaitOnly?.bug, awaitOnly?.line, awaitOnly?.text.split('\n')[1]], ['await dropped', 2, '  const a = g();']);
    assert.equal(plantBug('function f() {\n  return 1;\n}'), undefined, 'nothing to plant');
  });

  test('cases expect a finding at the planted line of a numbered copy, and read back as a review suite', () => {
    const specs = seededBugCases([{ path: 'src/a.ts', text: source, language: 'typescript' }]);
    assert.equal(specs.length, 2);
    const sum = specs.find((s) => s.name.includes('in sum'));
    assert.equal(sum?.name, 'loop bound off by one in sum (src/a.ts:3)');
    assert.ok(sum?.selection?.startsWith('1 | export function sum'), sum?.selection);
    assert.equal(sum?.selection?.split('\n')[2], '3 |   for (let i = 0; i <= items.length; i++) {');
    assert.deepEqual(sum?.checks, [{ type: 'finding-at-line', line: 3, tolerance: 1 }]);
    const suite = parseCasesFile(stringifyCases(specs, 'review'), 'seeded-bugs.cases.yaml');
    assert.deepEqual(suite.problems, []);
    assert.equal(suiteTask(suite), 'review');
    // The check passes a review that reports the planted line, and fails one that does not.
    const check = compileCheck(sum?.checks?.[0] ?? { type: 'code-block' });
    assert.ok(check.ok);
    const finding = (line: number) => JSON.stringify({ summary: 's', findings: [{ severity: 'high', category: 'bug', startLine: line, endLine: line, quote: 'i <= items.length', explanation: 'off by one', replacement: '' }] });
    assert.equal(check.ok && check.check.run(finding(3)).pass, true);
    assert.equal(check.ok && check.check.run(finding(6)).pass, false);
    const prompt = parsePromptFile(seededBugsPromptFile(), 'seeded-bugs.tiered.md');
    assert.ok(prompt.ok);
    assert.match(prompt.prompt.body, /careful, experienced code reviewer[\s\S]*JSON object only/);
  });
});
