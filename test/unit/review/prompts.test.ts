import * as assert from 'node:assert/strict';
import { layoutPrompt } from '../../../src/context/layout';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { referencedIdentifiers, usedImports } from '../../../src/review/codeScan';
import { explainItems, explainReviewRenderer, supportingItems, withGutter } from '../../../src/review/prompts';

suite('review/prompts', () => {
  test('the gutter numbers lines absolutely and pads them', () => {
    assert.equal(withGutter('a\nb', 9), ' 9 | a\n10 | b');
  });

  test('explain: instructions first, ranked context in the middle (enclosing symbol nearest the code), selection then question last', () => {
    const items = explainItems({ text: 'sum(xs)', startLine: 3, path: 'a.ts', languageId: 'typescript' }, [
      { kind: 'imports', title: 'imports used', text: "import { sum } from './math';" },
      { kind: 'definition', title: 'sum (math.ts:1)', text: 'export function sum(xs: number[]) {}' },
      { kind: 'enclosingSymbol', title: 'function main', text: 'function main() { sum(xs) }' },
    ]);
    const layout = layoutPrompt(items, 4000, approximateCounter(), { render: explainReviewRenderer });
    const t = layout.text;
    const order = ['expert programmer', 'Related code: imports used', 'Related code: sum (math.ts:1)', 'Related code: function main', 'Selected code: a.ts (line 3)', 'Explain the selected code (line 3 of a.ts).'].map((s) => t.indexOf(s));
    assert.ok(order.every((v, i) => v >= 0 && (i === 0 || v > order[i - 1]!)), `order ${order.join(',')}`);
    assert.ok(t.endsWith('Explain the selected code (line 3 of a.ts).'));
  });

  test('a question from the user replaces the default one; under a tight budget the middle goes first', () => {
    const items = explainItems({ text: 'x()', startLine: 1, path: 'b.py', languageId: 'python' }, [{ kind: 'definition', title: 'x', text: 'def x():\n' + '    pass\n'.repeat(400) }], 'Why is this slow?');
    const layout = layoutPrompt(items, 300, approximateCounter(), { render: explainReviewRenderer });
    assert.ok(layout.text.endsWith('Why is this slow?'));
    assert.ok(layout.text.includes('x()'));
    assert.ok(layout.report.byKind.supporting.dropped + layout.report.byKind.supporting.trimmed === 1);
    assert.equal(supportingItems([{ kind: 'imports', title: 't', text: 'x' }])[0]!.kind, 'supporting');
  });
});

suite('review/codeScan', () => {
  test('referenced identifiers: most used first, no keywords, no names the selection declares, no properties', () => {
    const ids = referencedIdentifiers('const total = prices.map(p => applyTax(p)).reduce(add, 0);\nif (total > limit) { applyTax(limit); }\n// comment mentions Ghost\nconsole.log("Phantom")').map((u) => u.name);
    assert.equal(ids[0], 'applyTax');
    assert.ok(ids.includes('prices') && ids.includes('limit') && ids.includes('add'));
    for (const absent of ['const', 'total', 'reduce', 'map', 'Ghost', 'Phantom', 'if']) {
      assert.ok(!ids.includes(absent), `${absent} in ${ids.join(',')}`);
    }
  });

  test('used imports: only import lines whose names the selection uses, multi-line imports joined', () => {
    const doc = ["import * as fs from 'node:fs';", 'import {', '  readFile,', '  writeFile,', "} from 'node:fs/promises';", "import { unused } from './x';", 'from os import path', '#include <stdio.h>', '', 'code'].join('\n');
    const got = usedImports(doc, 'await writeFile(path.join(a), fs.x)');
    assert.deepEqual(got, ["import * as fs from 'node:fs';", "import {\n  readFile,\n  writeFile,\n} from 'node:fs/promises';", 'from os import path', '#include <stdio.h>']);
  });
});
