import * as assert from 'node:assert/strict';
import { detectFormat, exportBundle, mapHandlebars, planImport, readImportFile } from '../../../src/prompts/importExport';
import type { ImportReadResult } from '../../../src/prompts/importExport';
import type { PromptDefinition } from '../../../src/prompts/types';

function single(r: ImportReadResult): { prompt: PromptDefinition; notes: readonly string[] } {
  assert.deepEqual(r.problems, [], 'no problems expected');
  assert.equal(r.candidates.length, 1);
  const c = r.candidates[0];
  assert.ok(c);
  return c;
}

suite('prompts: import and export', () => {
  test('a Continue .prompt file: preamble, ---, handlebars variables mapped, <system> first', () => {
    const text = [
      'name: Check code',
      'description: Looks for problems',
      'version: 1',
      '---',
      '<system>You are a strict reviewer.</system>',
      'Review {{{ currentFile }}} for {{{ input }}} and {{ focus }}. Keep ${HOME} literal.',
    ].join('\n');
    assert.equal(detectFormat('check.prompt', text), 'continue');
    const { prompt, notes } = single(readImportFile('check.prompt', text));
    assert.equal(prompt.name, 'Check code');
    assert.equal(prompt.description, 'Looks for problems');
    assert.equal(prompt.tier, 'auto');
    assert.equal(prompt.body, 'You are a strict reviewer.\n\nReview ${fileContent} for ${input:input} and ${input:focus}. Keep $${HOME} literal.');
    assert.ok(notes.some((n) => /<system>/.test(n)));
    assert.ok(notes.some((n) => /focus/.test(n)));
  });

  test('a Continue .prompt file without a preamble takes its name from the file', () => {
    const { prompt } = single(readImportFile('/home/me/.continue/prompts/quick-doc.prompt', 'Document this: {{{ input }}}'));
    assert.equal(prompt.name, 'quick-doc');
    assert.equal(prompt.body, 'Document this: ${input:input}');
  });

  test('handlebars mapping never reaches the prototype', () => {
    const notes: string[] = [];
    assert.equal(mapHandlebars('{{{ constructor }}} {{ toString }}', notes), '{{{ constructor }}} ${input:toString}');
  });

  test('a GitHub Copilot .prompt.md file: Copilot-only keys dropped with notes, variables shared', () => {
    const text = ['---', "mode: 'agent'", 'tools:', '  - codebase', "description: 'Generate a React form'", 'model: GPT-4o', '---', 'Create a form for ${input:formName:the form name} using ${selection} in ${file}.'].join('\n');
    assert.equal(detectFormat('react-form.prompt.md', text), 'copilot');
    const { prompt, notes } = single(readImportFile('/repo/.github/prompts/react-form.prompt.md', text));
    assert.equal(prompt.name, 'react-form');
    assert.equal(prompt.description, 'Generate a React form');
    assert.equal(prompt.model, 'GPT-4o');
    assert.equal(prompt.body, 'Create a form for ${input:formName:the form name} using ${selection} in ${file}.');
    assert.ok(notes.some((n) => /"mode"/.test(n)));
    assert.ok(notes.some((n) => /"tools"/.test(n)));
  });

  test('our own .prompt.md imports as is; a malformed one gives problems with lines', () => {
    const { prompt } = single(readImportFile('x.prompt.md', '---\nname: Mine\ntier: small\n---\nHi'));
    assert.equal(prompt.tier, 'small');
    const bad = readImportFile('x.prompt.md', '---\nname: Mine\ntier: 7\n---\nHi');
    assert.equal(bad.candidates.length, 0);
    assert.equal(bad.problems[0]?.line, 3);
  });

  test('a .tiered.md file (today\'s name for our prompts) imports as ours, its name from the file when the header has none', () => {
    assert.equal(detectFormat('x.tiered.md', '---\nname: Mine\n---\nHi'), 'tiered');
    const { prompt } = single(readImportFile('/shared/write-tests.tiered.md', '---\ntier: code\n---\nWrite tests.'));
    assert.equal(prompt.name, 'write-tests');
    assert.equal(prompt.tier, 'code');
  });

  test('export → import round trip gives back the same prompts', () => {
    const prompts: PromptDefinition[] = [
      { name: 'One', description: 'd1', tier: 'code', model: 'qwen2.5-coder:7b', variables: [{ name: 'x', description: 'X', default: 'y' }], body: 'Use ${input:x} and $${literal}' },
      { name: 'Two', description: '', tier: 'auto', variables: [], body: 'Plain' },
    ];
    const text = exportBundle(prompts, new Date(Date.UTC(2026, 10, 24)));
    assert.equal(detectFormat('bundle.json', text), 'bundle');
    const r = readImportFile('bundle.json', text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.candidates.map((c) => c.prompt),
      prompts,
    );
    assert.match(text, /"exportedAt": "2026-11-24T00:00:00.000Z"/);
  });

  test('a bundle is validated: bad JSON, wrong format, and bad prompts are reported; good ones still import', () => {
    assert.match(readImportFile('b.json', '{ "format": ').problems[0]?.message ?? '', /not valid JSON/);
    assert.match(readImportFile('b.json', '{"format":"other","version":1,"prompts":[]}').problems[0]?.message ?? '', /not a Tiered prompt bundle/);
    const mixed = JSON.stringify({
      format: 'tiered-prompts',
      version: 1,
      prompts: [
        { name: 'Good', body: 'ok' },
        { name: 'Bad tier', tier: 'gigantic', body: 'x' },
        { name: '', body: 'x' },
        { name: 'Proto', body: 'x', variables: [{ name: '__proto__' }] },
        { name: 'No body' },
        'not an object',
      ],
    });
    const r = readImportFile('b.json', mixed);
    assert.deepEqual(
      r.candidates.map((c) => c.prompt.name),
      ['Good'],
    );
    assert.deepEqual(
      r.problems.map((p) => /^prompt (\d+)/.exec(p.message)?.[1]),
      ['2', '3', '4', '5', '6'],
    );
  });

  test('planning an import never overwrites: clashes (also within the import) come back as conflicts', () => {
    const cands = ['Review', 'New One', 'new one', 'Other'].map((name) => ({ prompt: { name, description: '', tier: 'auto' as const, variables: [], body: 'b' }, origin: 'f', notes: [] }));
    const plan = planImport(cands, ['review', 'Something']);
    assert.deepEqual(
      plan.fresh.map((c) => c.prompt.name),
      ['New One', 'Other'],
    );
    assert.deepEqual(
      plan.conflicts.map((c) => [c.candidate.prompt.name, c.existingName]),
      [
        ['Review', 'review'],
        ['new one', 'New One'],
      ],
    );
  });
});
