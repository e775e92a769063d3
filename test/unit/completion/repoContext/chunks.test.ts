import * as assert from 'node:assert/strict';
import { chunkAround, declarationAt, declarationLine, declaredNames, splitIntoChunks } from '../../../../src/completion/repoContext/chunks';

const ts = [
  "import { Money } from './money';", // 0
  '', // 1
  '/** A line of the cart. */', // 2
  'export interface CartLine {', // 3
  '  sku: string;', // 4
  '  price: Money;', // 5
  '}', // 6
  '', // 7
  'export type Sku = string;', // 8
  '', // 9
  'export function total(', // 10
  '  lines: readonly CartLine[],', // 11
  '): Money {', // 12
  '  return lines.reduce((sum, l) => sum + l.price, 0);', // 13
  '}', // 14
  '', // 15
  'export const TAX = 0.2;', // 16
].join('\n');

const py = ['class Cart:', '    """A cart."""', '', '    def __init__(self):', '        self.lines = {', '            "a": 1,', '        }', '', '    def total(self):', '        return 0', '', 'def helper():', '    pass'].join('\n');

suite('repoContext chunks', () => {
  test('declarationAt: a brace-delimited declaration with its doc comment', () => {
    const d = declarationAt(ts, 3);
    assert.equal(d.startLine, 2);
    assert.equal(d.text, ['/** A line of the cart. */', 'export interface CartLine {', '  sku: string;', '  price: Money;', '}'].join('\n'));
  });

  test('declarationAt: a one-line declaration stays one line', () => {
    assert.equal(declarationAt(ts, 8).text, 'export type Sku = string;');
    assert.equal(declarationAt(ts, 16).text, 'export const TAX = 0.2;');
  });

  test('declarationAt: a signature over several lines runs to the closing brace', () => {
    const d = declarationAt(ts, 10);
    assert.equal(d.startLine, 10);
    assert.equal(d.text.split('\n').length, 5);
    assert.ok(d.text.endsWith('}'));
  });

  test('declarationAt: Python by indentation, brackets inside the body included', () => {
    const d = declarationAt(py, 0);
    assert.equal(d.text.split('\n').length, 10);
    assert.ok(d.text.includes('return 0'));
    assert.ok(!d.text.includes('helper'));
  });

  test('declarationAt: capped at maxLines', () => {
    const long = ['function f() {', ...Array.from({ length: 100 }, (_, i) => `  x${i}();`), '}'].join('\n');
    assert.equal(declarationAt(long, 0, 10).text.split('\n').length, 10);
  });

  test('splitIntoChunks: cut at top-level declarations, never above the limit, no blank chunks', () => {
    const file = Array.from({ length: 30 }, (_, i) => [`export function f${i}() {`, `  return ${i};`, '}', ''].join('\n')).join('\n');
    const chunks = splitIntoChunks(file, 16);
    assert.ok(chunks.length >= 8);
    for (const c of chunks) {
      assert.ok(c.text.split('\n').length <= 16, c.text);
      assert.match(c.text, /^export function f\d+\(\) \{/);
      assert.notEqual(c.text.trim(), '');
    }
    // Every line of code is in some chunk.
    const covered = chunks.map((c) => c.text).join('\n');
    for (let i = 0; i < 30; i++) {
      assert.ok(covered.includes(`return ${i};`));
    }
  });

  test('splitIntoChunks: a declaration longer than a chunk is cut where it is', () => {
    const long = ['function f() {', ...Array.from({ length: 40 }, (_, i) => `  x${i}();`), '}'].join('\n');
    const chunks = splitIntoChunks(long, 16);
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1]?.startLine, 16);
  });

  test('chunkAround: centred on the line, clamped to the file', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    assert.equal(chunkAround(text, 50, 10).startLine, 45);
    assert.equal(chunkAround(text, 2, 10).startLine, 0);
    assert.equal(chunkAround(text, 99, 10).startLine, 90);
  });

  test('declaredNames: functions, classes, types, constants, Python defs and assignments, Go funcs, Rust items', () => {
    assert.deepEqual([...declaredNames(ts)].sort(), ['CartLine', 'Sku', 'TAX', 'total']);
    assert.deepEqual([...declaredNames(py)].sort(), ['Cart', '__init__', 'helper', 'total']);
    assert.ok(declaredNames('func (c *Cart) Total() int {').has('Total'));
    assert.ok(declaredNames('pub struct Cart {\n}\nimpl Cart {\n  pub fn total(&self) -> u32 { 0 }\n}').has('total'));
    assert.ok(declaredNames('MAX_ITEMS = 10').has('MAX_ITEMS'));
  });

  test('declarationLine: the line that declares a name, not one that uses it', () => {
    assert.equal(declarationLine(ts, 'CartLine'), 3);
    assert.equal(declarationLine(ts, 'Money'), -1);
  });
});
