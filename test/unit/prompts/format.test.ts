import * as assert from 'node:assert/strict';
import { builtinPromptEntries, builtinPromptFiles } from '../../../src/prompts/builtins';
import { nameFromFileName, parsePromptFile, serializePrompt, slugForName } from '../../../src/prompts/format';
import type { PromptDefinition, PromptParseResult } from '../../../src/prompts/types';

const file = '/ws/.tiered/prompts/sample.prompt.md';

function ok(result: PromptParseResult): PromptDefinition {
  if (!result.ok) {
    assert.fail(`expected a valid prompt, got: ${result.problems.map((p) => `${p.line}: ${p.message}`).join('; ')}`);
  }
  return result.prompt;
}

function errors(result: PromptParseResult): { line: number; message: string }[] {
  assert.equal(result.ok, false, 'expected the file to be rejected');
  return result.problems.filter((p) => p.severity === 'error').map((p) => ({ line: p.line, message: p.message }));
}

suite('prompts: file format', () => {
  test('a complete file parses into its definition', () => {
    const p = ok(
      parsePromptFile(
        [
          '---',
          'name: Explain for a newcomer',
          'description: Step by step',
          'tier: code',
          'model: qwen2.5-coder:7b',
          'variables:',
          '  audience:',
          '    description: Who reads it',
          '    default: a new colleague',
          '  tone: Friendly or formal',
          '---',
          '',
          'Explain this ${language} code to ${input:audience}.',
          '',
        ].join('\n'),
        file,
      ),
    );
    assert.equal(p.name, 'Explain for a newcomer');
    assert.equal(p.description, 'Step by step');
    assert.equal(p.tier, 'code');
    assert.equal(p.model, 'qwen2.5-coder:7b');
    assert.deepEqual(p.variables, [
      { name: 'audience', description: 'Who reads it', default: 'a new colleague' },
      { name: 'tone', description: 'Friendly or formal' },
    ]);
    assert.equal(p.body, 'Explain this ${language} code to ${input:audience}.');
  });

  test('defaults: no front matter → name from the file, tier auto; CRLF and BOM are accepted', () => {
    const bare = ok(parsePromptFile('Just do it.\n', '/x/quick-fix.prompt.md'));
    assert.equal(bare.name, 'quick-fix');
    assert.equal(bare.tier, 'auto');
    assert.equal(bare.body, 'Just do it.');
    const crlf = ok(parsePromptFile('\ufeff---\r\nname: Win\r\ntier: small\r\n---\r\nBody\r\n', file));
    assert.equal(crlf.name, 'Win');
    assert.equal(crlf.tier, 'small');
    assert.equal(crlf.body, 'Body');
  });

  test('wrong types and values are reported with the line of the offending key', () => {
    const e = errors(parsePromptFile('---\nname: 2024\ndescription: ok\ntier: huge\nmodel: [a, b]\n---\nbody\n', file));
    assert.deepEqual(
      e.map((x) => x.line),
      [2, 4, 5],
    );
    assert.match(e[0]?.message ?? '', /name: must be text/);
    assert.match(e[1]?.message ?? '', /tier: must be one of small, code, moe, auto/);
    assert.match(e[2]?.message ?? '', /model/);
  });

  test('YAML syntax errors, unclosed front matter and an empty body are reported with lines', () => {
    const syntax = errors(parsePromptFile('---\nname: ok\ndescription: [unclosed\n---\nbody', file));
    assert.equal(syntax[0]?.line, 3);
    assert.match(syntax[0]?.message ?? '', /front matter/);
    assert.match(errors(parsePromptFile('---\nname: x\nbody without end', file))[0]?.message ?? '', /no closing "---"/);
    const empty = errors(parsePromptFile('---\nname: x\n---\n\n   \n', file));
    assert.equal(empty[0]?.line, 4);
    assert.match(empty[0]?.message ?? '', /body is empty/);
    assert.match(errors(parsePromptFile('---\nname: a\nname: b\n---\nbody', file))[0]?.message ?? '', /unique/i);
  });

  test('the problem carries the file it is about', () => {
    const r = parsePromptFile('---\ntier: 1\n---\nx', file);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.file, file);
  });

  suite('hostile front matter', () => {
    test('alias bombs ("billion laughs") are refused without expanding', () => {
      const bomb = ['---', 'a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'name: *d', '---', 'body'].join('\n');
      const e = errors(parsePromptFile(bomb, file));
      assert.match(e[0]?.message ?? '', /aliases/);
    });

    test('__proto__, constructor and prototype keys are refused and nothing is polluted', () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const e = errors(parsePromptFile(`---\nname: x\n${key}:\n  polluted: yes\n---\nbody`, file));
        assert.match(e[0]?.message ?? '', new RegExp(`"${key}" is not allowed`));
        assert.equal(e[0]?.line, 3);
      }
      const nested = errors(parsePromptFile('---\nname: x\nvariables:\n  __proto__:\n    description: d\n---\nbody ${input:__proto__}', file));
      assert.match(nested[0]?.message ?? '', /__proto__/);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    test('huge front matter and huge files are refused before parsing', () => {
      const hugeHeader = `---\nname: x\ndescription: "${'a'.repeat(20_000)}"\n---\nbody`;
      assert.match(errors(parsePromptFile(hugeHeader, file))[0]?.message ?? '', /front matter is too large/);
      const hugeFile = `---\nname: x\n---\n${'b'.repeat(600_000)}`;
      assert.match(errors(parsePromptFile(hugeFile, file))[0]?.message ?? '', /file is too large/);
    });

    test('deep nesting is refused, and problem lists stay short', () => {
      const deep = `---\nname: ${'['.repeat(5000)}\n---\nbody`;
      const r = parsePromptFile(deep, file);
      assert.equal(r.ok, false);
      assert.match(r.problems[0]?.message ?? '', /nested too deeply/);
      const many = `---\n${Array.from({ length: 40 }, (_, i) => `k${i}: [`).join('\n')}\n---\nbody`;
      const m = parsePromptFile(many, file);
      assert.equal(m.ok, false);
      assert.ok(m.problems.length <= 9, `got ${m.problems.length} problems`);
    });

    test('non-map front matter, custom tags and invalid variable names are rejected or flagged', () => {
      assert.match(errors(parsePromptFile('---\n- a\n- b\n---\nbody', file))[0]?.message ?? '', /must be a map/);
      const tagged = parsePromptFile('---\nname: !!js/function "function(){}"\n---\nbody', file);
      assert.ok(tagged.problems.some((p) => /tag/i.test(p.message)), 'the unresolved tag is reported');
      assert.match(errors(parsePromptFile('---\nname: x\nvariables:\n  "bad name":\n    description: d\n---\nbody', file))[0]?.message ?? '', /not a valid input name/);
      assert.match(errors(parsePromptFile('---\nname: x\nvariables:\n  v:\n    description: d\n    extra: 1\n---\nbody', file))[0]?.message ?? '', /variables\.v/);
    });

    test('a name with control characters is refused', () => {
      assert.match(errors(parsePromptFile('---\nname: "a\\u0007b"\n---\nbody', file))[0]?.message ?? '', /control characters/);
    });
  });

  test('unknown keys and unknown ${…} variables are warnings, not errors', () => {
    const r = parsePromptFile('---\nname: x\nauthor: me\n---\nline one\nuse ${nope} here', file);
    assert.equal(r.ok, true);
    const warnings = r.problems.filter((p) => p.severity === 'warning');
    assert.deepEqual(
      warnings.map((w) => w.line),
      [3, 6],
    );
    assert.match(warnings[1]?.message ?? '', /unknown variable \$\{nope\}/);
  });

  test('serialize → parse gives the same definition', () => {
    const original: PromptDefinition = {
      name: 'Tricky: "quotes" & #hash',
      description: 'multi: colon',
      tier: 'moe',
      model: 'qwen3:30b-a3b',
      variables: [{ name: 'x', description: 'yes', default: '123' }],
      body: '---\nA body that contains a front-matter-like line above.\n${input:x}',
    };
    const text = serializePrompt(original);
    assert.deepEqual(ok(parsePromptFile(text, file)), original);
  });

  test('help comments in the header are kept out of the prompt', () => {
    const p: PromptDefinition = { name: 'N', description: '', tier: 'auto', variables: [], body: 'Do ${selection}' };
    const text = serializePrompt(p, 'Use ${selection}\nvariables:\n  x: y');
    assert.match(text, /^# Use \$\{selection\}$/m);
    assert.deepEqual(ok(parsePromptFile(text, file)), p);
  });

  test('slugs and names from file names', () => {
    assert.equal(slugForName('Write Tests!'), 'write-tests');
    assert.equal(slugForName('Ünïcödé  naïve'), 'unicode-naive');
    assert.equal(slugForName('***'), 'prompt');
    assert.equal(slugForName('con'), 'prompt-con');
    assert.equal(nameFromFileName('/a/b/review.prompt.md'), 'review');
    assert.equal(nameFromFileName('fix.prompt'), 'fix');
  });

  test('every built-in parses, has a description and a tier, and the six expected ones exist', () => {
    const entries = builtinPromptEntries();
    assert.deepEqual(Object.keys(builtinPromptFiles), ['explain', 'review', 'writeTests', 'document', 'refactor', 'findBugs']);
    for (const e of entries) {
      assert.ok(e.definition, `${e.id}: ${e.problems.map((p) => p.message).join('; ')}`);
      assert.equal(e.source, 'builtin');
      assert.ok(e.definition.description.length > 0);
      assert.deepEqual(
        e.problems.filter((p) => p.severity === 'warning'),
        [],
      );
    }
    assert.deepEqual(
      entries.map((e) => e.name),
      ['Explain', 'Review', 'Write Tests', 'Document', 'Refactor', 'Find Bugs'],
    );
  });
});
