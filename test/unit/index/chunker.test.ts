import * as assert from 'node:assert/strict';
import { chunkFile } from '../../../src/index/chunker';
import type { ChunkSizes } from '../../../src/index/lineWindows';
import { grammars } from './grammars';

// Small sizes so a few lines of code already make an "oversize" definition.
const small: ChunkSizes = { maxTokens: 90, minTokens: 20, overlap: 0.2 };

/** Lines of filler statements in a language's syntax. */
function body(statement: (i: number) => string, count: number, indent = '    '): string {
  return Array.from({ length: count }, (_, i) => indent + statement(i)).join('\n');
}

interface Case {
  readonly file: string;
  readonly source: string;
  /** Symbols that must each appear in some chunk. */
  readonly symbols: readonly string[];
  /** The line (1-based) where the second definition starts: some chunk must start there. */
  readonly boundary: number;
}

const twoDefinitions: Case[] = [
  {
    file: 'a.ts',
    source: `export function alphaOne(x: number): number {\n${body((i) => `x += ${i} * computeSomethingLong(x);`, 6)}\n  return x;\n}\nexport class BetaTwo {\n  gammaThree(): void {\n${body((i) => `this.value${i} = compute(${i});`, 6)}\n  }\n}\n`,
    symbols: ['alphaOne', 'BetaTwo', 'BetaTwo.gammaThree'],
    boundary: 10,
  },
  {
    file: 'a.js',
    source: `function alphaOne(x) {\n${body((i) => `x += ${i} * computeSomethingLong(x);`, 6)}\n  return x;\n}\nconst betaTwo = (y) => {\n${body((i) => `y -= ${i} * computeSomethingElse(y);`, 6)}\n  return y;\n};\n`,
    symbols: ['alphaOne', 'betaTwo'],
    boundary: 10,
  },
  {
    file: 'a.py',
    source: `def alpha_one(x):\n${body((i) => `x += ${i} * compute_something_long(x)`, 6)}\n    return x\n\nclass BetaTwo:\n    def gamma_three(self):\n${body((i) => `self.value${i} = compute(${i})`, 6, '        ')}\n`,
    symbols: ['alpha_one', 'BetaTwo', 'BetaTwo.gamma_three'],
    boundary: 10,
  },
  {
    file: 'a.go',
    source: `package main\n\nfunc AlphaOne(x int) int {\n${body((i) => `x += ${i} * computeSomethingLong(x)`, 6)}\n\treturn x\n}\n\nfunc (s *Server) BetaTwo() {\n${body((i) => `s.value${i} = compute(${i})`, 6)}\n}\n`,
    symbols: ['AlphaOne', 'BetaTwo'],
    boundary: 13,
  },
  {
    file: 'a.rs',
    source: `fn alpha_one(mut x: i64) -> i64 {\n${body((i) => `x += ${i} * compute_something_long(x);`, 6)}\n    x\n}\nimpl Server {\n    fn beta_two(&mut self) {\n${body((i) => `self.value${i} = compute(${i});`, 6, '        ')}\n    }\n}\n`,
    symbols: ['alpha_one', 'Server', 'Server.beta_two'],
    boundary: 10,
  },
  {
    file: 'A.java',
    source: `class AlphaOne {\n  int first(int x) {\n${body((i) => `x += ${i} * computeSomethingLong(x);`, 6)}\n    return x;\n  }\n  void betaTwo() {\n${body((i) => `this.value${i} = compute(${i});`, 6)}\n  }\n}\n`,
    symbols: ['AlphaOne', 'AlphaOne.first', 'AlphaOne.betaTwo'],
    boundary: 11,
  },
  {
    file: 'a.c',
    source: `int alpha_one(int x) {\n${body((i) => `x += ${i} * compute_something_long(x);`, 6)}\n  return x;\n}\nstatic void beta_two(struct server *s) {\n${body((i) => `s->value${i} = compute(${i});`, 6)}\n}\n`,
    symbols: ['alpha_one', 'beta_two'],
    boundary: 10,
  },
  {
    file: 'a.cpp',
    source: `int alphaOne(int x) {\n${body((i) => `x += ${i} * computeSomethingLong(x);`, 6)}\n  return x;\n}\nnamespace net {\nvoid Server::betaTwo() {\n${body((i) => `value${i} = compute(${i});`, 6)}\n}\n}\n`,
    symbols: ['alphaOne', 'net', 'net.Server::betaTwo'],
    boundary: 10,
  },
  {
    file: 'A.cs',
    source: `class AlphaOne {\n  int First(int x) {\n${body((i) => `x += ${i} * ComputeSomethingLong(x);`, 6)}\n    return x;\n  }\n  void BetaTwo() {\n${body((i) => `this.Value${i} = Compute(${i});`, 6)}\n  }\n}\n`,
    symbols: ['AlphaOne', 'AlphaOne.First', 'AlphaOne.BetaTwo'],
    boundary: 11,
  },
];

suite('index: chunker', () => {
  for (const c of twoDefinitions) {
    test(`${c.file}: chunks follow definitions and name them`, async () => {
      const chunks = await chunkFile(c.file, c.source, grammars, small);
      const all = chunks.flatMap((ch) => ch.symbols);
      for (const symbol of c.symbols) {
        assert.ok(all.includes(symbol), `${symbol} missing from ${JSON.stringify(chunks.map((ch) => [ch.startLine, ch.endLine, ch.symbols]))}`);
      }
      assert.ok(chunks.some((ch) => ch.startLine === c.boundary), `no chunk starts at line ${c.boundary}: ${JSON.stringify(chunks.map((ch) => [ch.startLine, ch.endLine]))}`);
      assert.ok(chunks.every((ch) => ch.kind === 'definition'));
      // Chunks cover the file in order without gaps of code.
      const lines = c.source.split('\n');
      for (let k = 1; k < chunks.length; k++) {
        assert.ok(chunks[k].startLine <= chunks[k - 1].endLine + 1 || lines.slice(chunks[k - 1].endLine, chunks[k].startLine - 1).every((l) => l.trim() === ''));
      }
      for (const ch of chunks) {
        assert.equal(ch.text, lines.slice(ch.startLine - 1, ch.endLine).join('\n'));
      }
    });
  }

  test('an oversize function is split into several chunks that all name it', async () => {
    const source = `export function hugeFunction(x: number): number {\n${body((i) => `x = x * ${i} + transformTheValue(x, ${i});`, 60)}\n  return x;\n}\n`;
    const chunks = await chunkFile('big.ts', source, grammars, small);
    assert.ok(chunks.length >= 5, `only ${chunks.length} chunks`);
    for (const ch of chunks) {
      assert.deepEqual(ch.symbols, ['hugeFunction']);
      assert.ok(ch.text.length / 4 <= small.maxTokens * 1.5, `chunk of ${ch.text.length} chars`);
    }
    assert.equal(chunks[0].startLine, 1);
    assert.equal(chunks.at(-1)?.endLine, 63);
  });

  test('small definitions are grouped into one chunk up to the size limit', async () => {
    const source = ['function a() { return 1; }', 'function b() { return 2; }', 'function c() { return 3; }'].join('\n');
    const chunks = await chunkFile('small.js', source, grammars);
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0].symbols, ['a', 'b', 'c']);
  });

  test('a file no grammar parses is cut into overlapping line windows', async () => {
    const source = Array.from({ length: 80 }, (_, i) => `line ${i} of some plain text that goes on for a while`).join('\n');
    const chunks = await chunkFile('notes.txt', source, grammars, small);
    assert.ok(chunks.length > 3);
    assert.ok(chunks.every((ch) => ch.kind === 'lines' && ch.symbols.length === 0));
    for (let k = 1; k < chunks.length; k++) {
      assert.ok(chunks[k].startLine <= chunks[k - 1].endLine, 'windows overlap');
      assert.ok(chunks[k].startLine > chunks[k - 1].startLine, 'windows move forward');
    }
    assert.equal(chunks.at(-1)?.endLine, 80);
  });

  test('without grammars, code is still chunked (by lines); an empty file gives no chunk', async () => {
    const chunks = await chunkFile('a.ts', `function x() {\n${body(() => 'doSomething();', 40)}\n}\n`, undefined, small);
    assert.ok(chunks.length > 1 && chunks.every((ch) => ch.kind === 'lines'));
    assert.deepEqual(await chunkFile('empty.ts', '\n\n  \n', grammars), []);
  });
});
