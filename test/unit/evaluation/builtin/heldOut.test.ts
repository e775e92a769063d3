import * as assert from 'node:assert/strict';
import { heldOutCompletionCases, heldOutPromptFile } from '../../../../src/evaluation/builtin/heldOut';
import { parseCasesFile, stringifyCases } from '../../../../src/evaluation/cases';
import { runSuite } from '../../../../src/evaluation/runner';
import { MemoryEvalStore } from '../../../../src/evaluation/storage';
import { parsePromptFile } from '../../../../src/prompts/format';
import { systemClock } from '../../../../src/util/clock';
import { FakeLlmBackend, fakeModel } from '../../../doubles/fakeLlmBackend';

const file = {
  path: 'src/cart.ts',
  language: 'typescript',
  text: ['// cart', 'import { a } from "b";', '', 'export function total(items: Item[]): number {', '  const sum = items.reduce((acc, i) => acc + i.price, 0);', '  return applyDiscount(sum, 0.1);', '}', ''].join('\n'),
};

suite('evaluation: built-in completion suite with held-out lines', () => {
  test('holds out code lines (not comments, imports or braces): prefix up to the indentation, the rest as suffix', () => {
    const specs = heldOutCompletionCases([file]);
    assert.deepEqual(specs.map((s) => s.name).sort(), ['line 4 of src/cart.ts', 'line 5 of src/cart.ts', 'line 6 of src/cart.ts']);
    const line5 = specs.find((s) => s.name === 'line 5 of src/cart.ts');
    assert.ok(line5?.selection?.endsWith('export function total(items: Item[]): number {\n  '));
    assert.equal(line5?.suffix, '\n  return applyDiscount(sum, 0.1);\n}\n');
    assert.deepEqual(line5?.checks, [
      { type: 'similar', expected: 'const sum = items.reduce((acc, i) => acc + i.price, 0);', lines: 1 },
      { type: 'similar', expected: 'const sum = items.reduce((acc, i) => acc + i.price, 0);', min: 0.8, lines: 1 },
    ]);
    assert.ok(parsePromptFile(heldOutPromptFile(), 'held-out-completions.tiered.md').ok);
  });

  test('runs as fill-in-the-middle (the suffix is sent), judged on the first line: exact and similar', async () => {
    const specs = heldOutCompletionCases([file]).filter((s) => s.name === 'line 5 of src/cart.ts');
    const suite = parseCasesFile(stringifyCases(specs, 'inlineCompletion'), 'c.cases.yaml');
    assert.deepEqual(suite.problems, []);
    const model = fakeModel({ name: 'coder:1.5b' });
    const backend = new FakeLlmBackend(systemClock, { models: [model] });
    // Right first line (then it runs on), one close miss.
    let n = 0;
    backend.responder = () => ({ tokens: n++ === 0 ? ['const sum = items.reduce((acc, i) => acc + i.price, 0);\n  return sum;'] : ['const sum = items.reduce((acc, it) => acc + it.price, 0);'], firstTokenMs: 0, tokenIntervalMs: 0 });
    const run = await runSuite({ suite: 'Held-out completions', task: 'inlineCompletion', cases: suite.cases, models: [model], repeats: 2 }, { backendFor: () => backend, installed: [model], store: new MemoryEvalStore(), promptFor: (c) => c.selection ?? '' });
    assert.equal(backend.generations[0]?.request.suffix, '\n  return applyDiscount(sum, 0.1);\n}\n');
    assert.ok(backend.generations[0]?.request.prompt.endsWith('number {\n  '));
    const items = run.cells[0]?.items ?? [];
    assert.deepEqual(
      items.map((i) => [i.label.startsWith('exactly') ? 'exact' : 'similar', i.passes, i.fails]),
      [
        ['exact', 1, 1],
        ['similar', 2, 0],
      ],
    );
    assert.equal(run.task, 'inlineCompletion');
  });
});
