import * as assert from 'node:assert/strict';
import { CompletionStream, decideMode, postprocessContext, processCompletion, toDocumentForm } from '../../../src/completion/postprocess';
import type { MultilineSetting, PostprocessContext } from '../../../src/completion/postprocess';

/** `|` marks the cursor. */
function ctx(doc: string, options: { languageId?: string; multiline?: MultilineSetting; useTabs?: boolean; crlf?: boolean } = {}): PostprocessContext {
  const offset = doc.indexOf('|');
  const text = doc.slice(0, offset) + doc.slice(offset + 1);
  return postprocessContext(text, offset, {
    languageId: options.languageId ?? 'typescript',
    multiline: options.multiline ?? 'auto',
    family: 'qwen',
    indent: { useTabs: options.useTabs ?? false, size: options.useTabs ? 4 : 2 },
    lineEnding: options.crlf ? '\r\n' : '\n',
  });
}

function final(raw: string, c: PostprocessContext): string {
  return processCompletion(raw, c, true).text;
}

suite('completion post-processing', () => {
  suite('single-line vs multiline', () => {
    test('mid-line → single line', () => {
      assert.equal(decideMode('const x = foo(', ')', 'typescript', 'auto'), 'line');
    });
    test('after a block opener → multiline', () => {
      assert.equal(decideMode('function f() {', '', 'typescript', 'auto'), 'block');
      assert.equal(decideMode('def f(x):', '', 'python', 'auto'), 'block');
      assert.equal(decideMode('const f = () =>', '', 'typescript', 'auto'), 'block');
    });
    test('a colon is not a block opener outside Python-like languages', () => {
      assert.equal(decideMode('case 1:', '', 'typescript', 'auto'), 'line');
    });
    test('empty line (e.g. an empty function body) → multiline', () => {
      assert.equal(decideMode('    ', '', 'typescript', 'auto'), 'block');
    });
    test('end of a finished statement → single line', () => {
      assert.equal(decideMode('  foo();', '', 'typescript', 'auto'), 'line');
    });
    test('the setting forces either', () => {
      assert.equal(decideMode('function f() {', '', 'typescript', 'never'), 'line');
      assert.equal(decideMode('x = foo(', ')', 'typescript', 'always'), 'block');
    });
  });

  suite('single line', () => {
    test('stops at the end of the line', () => {
      const c = ctx('const total = |');
      assert.equal(final('items.length;\nconsole.log(total);', c), 'items.length;');
      assert.equal(processCompletion('items.length;\nconsole', c, false).complete, true);
    });
    test('at the end of a finished line, the next line may be suggested', () => {
      const c = ctx('function f() {\n  const a = 1;|\n}');
      assert.equal(final('\n  const b = 2;\n  return a + b;', c), '\n  const b = 2;');
    });
    test('mid-line, a completion that starts a new line is dropped', () => {
      const c = ctx('call(|);');
      assert.equal(final('\nfoo', c), '');
    });
  });

  suite('brackets', () => {
    test('hot streak: closing a bracket the cursor line opened ends that line, not the streak', () => {
      const doc = 'const calls = [\n  f(a';
      const streak = postprocessContext(doc + '\n', doc.length, { languageId: 'typescript', multiline: 'auto', family: 'qwen', indent: { useTabs: false, size: 2 }, lineEnding: '\n', hotStreakLines: 3 });
      assert.equal(streak.display, 'firstLine');
      assert.equal(final(', b),\n  f(c, d),\n];', streak), ', b),\n  f(c, d),\n];');
      const block = ctx('function f() {\n  g(a|', { multiline: 'always' });
      assert.equal(final(');\n}\nother();', block), ');', 'outside a streak, closing the statement ends it');
    });
    test('a closer the code after the cursor already has is not repeated', () => {
      const c = ctx('const v = compute(|)');
      assert.equal(final('a, b)', c), 'a, b');
    });
    test('a closer for a bracket of the prefix is kept when the suffix lacks it', () => {
      const c = ctx('const v = compute(|');
      assert.equal(final('a, b);', c), 'a, b);');
    });
    test('block: stops before the line closing the enclosing block when the code below has it', () => {
      const c = ctx('function f() {\n  |\n}\n');
      assert.equal(final('const x = 1;\n  return x;\n}\n\nfunction g() {}', c), 'const x = 1;\n  return x;');
      assert.equal(processCompletion('const x = 1;\n  return x;\n}', c, false).complete, true);
    });
    test('block: keeps the closer when the code below lacks it, then stops', () => {
      const c = ctx('function f() {|');
      assert.equal(final('\n  return 1;\n}\nfunction g() {', c), '\n  return 1;\n}');
    });
    test('nested brackets opened by the completion balance', () => {
      const c = ctx('function f() {\n  |\n}');
      const text = 'if (a) {\n    run(() => {\n      go();\n    });\n  }\n}';
      assert.equal(final(text, c), 'if (a) {\n    run(() => {\n      go();\n    });\n  }');
    });
    test('brackets inside strings and comments do not count', () => {
      const c = ctx('function f() {\n  |\n}');
      assert.equal(final('log("}");\n  // }\n  done();\n}', c), 'log("}");\n  // }\n  done();');
    });
    test('Rust lifetimes are not strings', () => {
      const c = ctx('fn f() {\n    |\n}', { languageId: 'rust' });
      assert.equal(final("let s: &'a str = x;\n    g(s);\n}", c), "let s: &'a str = x;\n    g(s);");
    });
    test('Go, Java and C behave like TypeScript', () => {
      for (const languageId of ['go', 'java', 'c']) {
        const c = ctx('func f() {\n\t|\n}', { languageId, useTabs: true });
        assert.equal(final('x := 1\n\treturn x\n}', c), 'x := 1\n\treturn x', languageId);
      }
    });
  });

  suite('Python blocks', () => {
    test('stops when the indentation returns to an outer level', () => {
      const c = ctx('def f(x):|', { languageId: 'python' });
      assert.equal(final('\n    y = x * 2\n    return y\ndef g():\n    pass', c), '\n    y = x * 2\n    return y');
      assert.equal(processCompletion('\n    y = x * 2\n    return y\ndef', c, false).complete, true);
    });
    test('an empty body line: completes the body only', () => {
      const c = ctx('class A:\n    def f(self):\n        |\n', { languageId: 'python' });
      assert.equal(final('return 1\n\n    def g(self):\n        pass', c), 'return 1');
    });
  });

  suite('duplicates', () => {
    test('text repeating the line below is dropped', () => {
      const c = ctx('function f() {\n  const a = 1;|\n  return a;\n}');
      assert.equal(final('\n  return a;', c), '');
    });
    test('a block stops where it would repeat the line below', () => {
      const c = ctx('if (ok) {|\n  finish();\n}');
      assert.equal(final('\n  start();\n  finish();\n}', c), '\n  start();');
    });
    test('a completion that is just the code after the cursor is empty', () => {
      const c = ctx('let a = |;\nfoo();');
      assert.equal(final(';', c), '');
    });
    test('the rest of the line typed again is removed', () => {
      const c = ctx('const v = x|;');
      assert.equal(final(' + 1;', c), ' + 1');
    });
  });

  suite('whitespace, indentation, line endings', () => {
    test('trailing whitespace is trimmed on every line and at the end', () => {
      const c = ctx('function f() {\n  |\n}');
      assert.equal(final('a();   \n  b();  \n\n', c), 'a();\n  b();');
    });
    test('only whitespace → empty', () => {
      assert.equal(final('   \n  ', ctx('foo(); |')), '');
    });
    test('spaces become tabs in a tab-indented document', () => {
      assert.equal(toDocumentForm('if (a) {\n        b();\n    }', { useTabs: true, size: 4 }, '\n'), 'if (a) {\n\t\tb();\n\t}');
    });
    test('tabs become spaces in a space-indented document', () => {
      assert.equal(toDocumentForm('x\n\tb();', { useTabs: false, size: 2 }, '\n'), 'x\n  b();');
    });
    test('CRLF documents get CRLF completions, and CRLF from the model is understood', () => {
      const c = ctx('function f() {|', { crlf: true });
      const stream = new CompletionStream(c);
      stream.push('\r\n  return 1;\r\n');
      stream.push('}\r\n');
      assert.equal(stream.finish().text, '\r\n  return 1;\r\n}');
    });
  });

  suite('streaming', () => {
    test('reports completion as soon as the line ends (single line)', () => {
      const stream = new CompletionStream(ctx('const a = |'));
      assert.equal(stream.push('fo'), false);
      assert.equal(stream.push('o();'), false);
      assert.equal(stream.push('\nbar'), true);
      assert.equal(stream.finish().text, 'foo();');
    });
    test('stops at a special token and never lets it through', () => {
      const stream = new CompletionStream(ctx('const a = |'));
      assert.equal(stream.push('foo()<|endoftext|>'), true);
      assert.equal(stream.finish().text, 'foo()');
    });
    test('a special token split across chunks is removed', () => {
      const stream = new CompletionStream(ctx('const a = |'));
      stream.push('foo()<|endo');
      assert.equal(stream.finish().text, 'foo()');
    });
    test('block mode waits for a partial line that may repeat the line below', () => {
      const c = ctx('if (ok) {|\n  finish();\n}');
      assert.equal(processCompletion('\n  start();\n  fin', c, false).text, '\n  start();\n');
    });
    test('line limit ends a long block', () => {
      const c = postprocessContext('function f() {\n', 15, { languageId: 'typescript', multiline: 'auto', family: undefined, indent: { useTabs: false, size: 2 }, lineEnding: '\n', maxLines: 3 });
      const r = processCompletion('  a();\n  b();\n  c();\n  d();\n', c, false);
      assert.equal(r.complete, true);
      assert.equal(r.text, '  a();\n  b();\n  c();');
    });
  });
});
