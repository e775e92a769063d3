import * as assert from 'node:assert/strict';
import { commentBlock, commentSyntax, commentedContext, layOutContext, rawPromptWithContext } from '../../../../src/completion/repoContext/layout';
import type { CurrentFile } from '../../../../src/completion/repoContext/layout';
import type { ChosenContext } from '../../../../src/completion/repoContext/types';
import { fimTemplates } from '../../../../src/completion/templates';
import type { FimFamily } from '../../../../src/completion/templates';

const context: ChosenContext = {
  snippets: [
    { path: 'src/money.ts', startLine: 0, endLine: 0, text: 'export type Money = number;', source: 'import', tokens: 7, score: 1, why: 'imported' },
    { path: 'src/cart.ts', startLine: 4, endLine: 6, text: 'export interface Cart {\n  total: Money;\n}', source: 'definition', tokens: 12, score: 3, why: 'defines Cart' },
  ],
  tokens: 19,
  budgetTokens: 100,
  key: 'k',
};
const empty: ChosenContext = { snippets: [], tokens: 0, budgetTokens: 100, key: '' };
const file: CurrentFile = { path: 'src/app.ts', languageId: 'typescript', repoName: 'shop' };
const prefix = 'const c: Cart = ';
const suffix = ';\n';

suite('repoContext layout', () => {
  const golden: Record<FimFamily, string> = {
    qwen: '<|repo_name|>shop\n<|file_sep|>src/money.ts\nexport type Money = number;\n<|file_sep|>src/cart.ts\nexport interface Cart {\n  total: Money;\n}\n<|file_sep|>src/app.ts\n<|fim_prefix|>const c: Cart = <|fim_suffix|>;\n<|fim_middle|>',
    starcoder: '<repo_name>shop<file_sep>src/money.ts\nexport type Money = number;\n<file_sep>src/cart.ts\nexport interface Cart {\n  total: Money;\n}\n<file_sep><fim_prefix>src/app.ts\nconst c: Cart = <fim_suffix>;\n<fim_middle>',
    deepseek: '<｜fim▁begin｜>// src/money.ts\nexport type Money = number;\n// src/cart.ts\nexport interface Cart {\n  total: Money;\n}\n// src/app.ts\nconst c: Cart = <｜fim▁hole｜>;\n<｜fim▁end｜>',
    codellama: '<PRE> // Path: src/money.ts\n// export type Money = number;\n// Path: src/cart.ts\n// export interface Cart {\n//   total: Money;\n// }\nconst c: Cart =  <SUF>;\n <MID>',
    codegemma: '<|fim_prefix|>// Path: src/money.ts\n// export type Money = number;\n// Path: src/cart.ts\n// export interface Cart {\n//   total: Money;\n// }\nconst c: Cart = <|fim_suffix|>;\n<|fim_middle|>',
    codestral: '[SUFFIX];\n[PREFIX]// Path: src/money.ts\n// export type Money = number;\n// Path: src/cart.ts\n// export interface Cart {\n//   total: Money;\n// }\nconst c: Cart = ',
  };
  for (const family of Object.keys(golden) as FimFamily[]) {
    test(`raw ${family}: golden prompt, the best snippet last before the file`, () => {
      assert.equal(rawPromptWithContext(family, context, file, prefix, suffix), golden[family]);
    });
    test(`raw ${family}: no snippets, the plain FIM prompt`, () => {
      assert.equal(rawPromptWithContext(family, empty, file, prefix, suffix), fimTemplates[family].build(prefix, suffix));
    });
  }

  test('llama-server /infill: input_extra entries with filename and text, nothing in the prompt', () => {
    const laid = layOutContext(context, file, { family: 'qwen', promptKind: 'native', backendKind: 'openai' });
    assert.deepEqual(laid.extraFiles, [
      { filename: 'src/money.ts', text: 'export type Money = number;\n' },
      { filename: 'src/cart.ts', text: 'export interface Cart {\n  total: Money;\n}\n' },
    ]);
    assert.equal(laid.rawHead + laid.layoutPrefix, '');
  });

  test('Ollama native: commented blocks at the start of the prompt (no sentinels inside the server template)', () => {
    const laid = layOutContext(context, file, { family: 'qwen', promptKind: 'native', backendKind: 'ollama' });
    assert.equal(laid.rawHead, '');
    assert.equal(laid.layoutPrefix, commentedContext(context, 'typescript'));
    assert.ok(!laid.layoutPrefix.includes('<|'));
    const unknown = layOutContext(context, file, { family: undefined, promptKind: 'native', backendKind: 'ollama' });
    assert.equal(unknown.layoutPrefix, laid.layoutPrefix);
  });

  test('Ollama native DeepSeek keeps its path-comment format (it is inside the FIM block either way)', () => {
    const laid = layOutContext(context, file, { family: 'deepseek', promptKind: 'native', backendKind: 'ollama' });
    assert.ok(laid.layoutPrefix.startsWith('// src/money.ts\n'));
    assert.ok(laid.layoutPrefix.endsWith('// src/app.ts\n'));
  });

  test('comment syntax per language: #, --, block comments with the closer broken inside', () => {
    assert.deepEqual(commentSyntax('python'), { line: '#' });
    assert.deepEqual(commentSyntax('sql'), { line: '--' });
    assert.deepEqual(commentSyntax('rust'), { line: '//' });
    assert.equal(commentedContext(context, 'python').split('\n')[0], '# Path: src/money.ts');
    const css = commentBlock('a { b: c; } /* x */', commentSyntax('css'));
    assert.equal(css, '/*\na { b: c; } /* x * /\n*/\n');
    assert.equal(commentBlock('x\n\ny', { line: '#' }), '# x\n#\n# y\n');
  });
});
