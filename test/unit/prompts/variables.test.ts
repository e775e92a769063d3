import * as assert from 'node:assert/strict';
import { findReferences, inputsOf, substitute, usesCode } from '../../../src/prompts/variables';
import type { EditorValues } from '../../../src/prompts/variables';

const editor: EditorValues = {
  selection: 'const x = 1;',
  file: 'src/app.ts',
  fileContent: 'whole file',
  language: 'typescript',
  workspaceFolder: '/home/me/project',
};

suite('prompts: variables', () => {
  test('editor variables are filled, including derived and alias names', () => {
    const body = '${selection}|${selectedText}|${file}|${fileBasename}|${fileBasenameNoExtension}|${language}|${workspaceFolder}|${workspaceFolderBasename}|${fileContent}';
    const { text, missingInputs } = substitute({ body, variables: [] }, editor);
    assert.equal(text, 'const x = 1;|const x = 1;|src/app.ts|app.ts|app|typescript|/home/me/project|project|whole file');
    assert.deepEqual(missingInputs, []);
  });

  test('values that contain ${…} are inserted verbatim and never expanded again (one pass)', () => {
    const hostile: EditorValues = { selection: 'echo ${HOME} ${selection} ${input:secret} $${file}', file: '${workspaceFolder}', language: 'shellscript', workspaceFolder: '/ws' };
    const inputs = new Map([['q', 'why ${language}?']]);
    const { text } = substitute({ body: 'Q: ${input:q}\n${selection}\nin ${file}', variables: [] }, hostile, inputs);
    assert.equal(text, 'Q: why ${language}?\necho ${HOME} ${selection} ${input:secret} $${file}\nin ${workspaceFolder}');
  });

  test('named inputs: answers, declared defaults, placeholders, and missing ones reported', () => {
    const prompt = {
      body: 'To ${input:audience}, in ${input:tone:formal or casual}, about ${topic}; again ${input:audience}. ${input:other}',
      variables: [
        { name: 'audience', description: 'Who reads it', default: 'a colleague' },
        { name: 'topic', description: 'The topic' },
      ],
    };
    const asked = inputsOf(prompt);
    assert.deepEqual(asked, [
      { name: 'audience', description: 'Who reads it', default: 'a colleague' },
      { name: 'tone', description: 'formal or casual', placeholder: 'formal or casual' },
      { name: 'topic', description: 'The topic' },
      { name: 'other', description: 'other' },
    ]);
    const filled = substitute(prompt, {}, new Map([['tone', 'casual'], ['topic', 'tests']]));
    assert.equal(filled.text, 'To a colleague, in casual, about tests; again a colleague. ');
    assert.deepEqual(filled.missingInputs, ['other']);
  });

  test('unknown variables stay as written; $${…} is a literal; missing editor values are empty', () => {
    const { text } = substitute({ body: '${unknown} $${selection} ${input:bad name} [${selection}]', variables: [] }, {});
    assert.equal(text, '${unknown} ${selection} ${input:bad name} []');
  });

  test('input names cannot reach object prototype properties', () => {
    const { text, missingInputs } = substitute({ body: '${input:constructor}${input:toString}', variables: [] }, {}, new Map());
    assert.equal(text, '${input:constructor}');
    assert.deepEqual(missingInputs, ['toString']);
  });

  test('references and whether the body places the code itself', () => {
    assert.deepEqual(
      findReferences('a ${selection} b ${input:x:y} ${zzz}').map((r) => r.kind),
      ['editor', 'input', 'unknown'],
    );
    assert.equal(usesCode('Explain ${selection}'), true);
    assert.equal(usesCode('Explain ${fileContent}'), true);
    assert.equal(usesCode('Explain the ${language} code'), false);
    assert.equal(usesCode('Literal $${selection}'), false);
  });
});
