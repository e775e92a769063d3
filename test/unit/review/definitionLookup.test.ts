// Issue 16: Explain right after opening a folder sent the import lines labelled "definition of daysBetween".
import * as assert from 'node:assert/strict';
import { isInImportStatement, replaceLines } from '../../../src/review/codeScan';
import { lookUpWithPatience, missingDefinitionsNote } from '../../../src/review/definitionLookup';
import type { LookupAnswer } from '../../../src/review/definitionLookup';
import { leadingCommentStart } from '../../../src/context/signature';

/** A fake clock: sleeping advances it. */
function clock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

suite('review: definitions while the language server starts', () => {
  test('a server that answers only import lines at first is asked again until it finds the definitions', async () => {
    const c = clock();
    const calls: string[] = [];
    // The first two rounds answer with the import line (TypeScript still loading the project), then the definitions.
    const lookup = async (name: string): Promise<LookupAnswer<string>> => {
      calls.push(name);
      return c.now() < 800 ? { kind: 'import' } : { kind: 'definition', def: `${name} in dates.ts` };
    };
    const out = await lookUpWithPatience(['daysBetween', 'formatDuration'], lookup, { ...c, patienceMs: 2500, intervalMs: 400 });
    assert.deepEqual([...out.found.entries()], [
      ['daysBetween', 'daysBetween in dates.ts'],
      ['formatDuration', 'formatDuration in dates.ts'],
    ]);
    assert.deepEqual(out.missing, []);
    assert.equal(out.rounds, 3);
    assert.ok(out.waitedMs <= 2500);
  });

  test('the wait is bounded, and an import is never kept as a definition', async () => {
    const c = clock();
    const out = await lookUpWithPatience(['daysBetween'], async (): Promise<LookupAnswer<string>> => ({ kind: 'import' }), { ...c, patienceMs: 2500, intervalMs: 400 });
    assert.equal(out.found.size, 0);
    assert.deepEqual(out.missing, ['daysBetween']);
    assert.ok(out.waitedMs <= 2500, `waited ${out.waitedMs} ms`);
    assert.ok(out.rounds >= 5, `${out.rounds} rounds`);
  });

  test('a ready server (it found some) is not waited for: what it did not find is missing at once', async () => {
    const c = clock();
    const lookup = async (name: string): Promise<LookupAnswer<string>> => (name === 'known' ? { kind: 'definition', def: 'k' } : { kind: 'none' });
    const out = await lookUpWithPatience(['known', 'global'], lookup, { ...c });
    assert.equal(out.rounds, 1);
    assert.deepEqual(c.slept, []);
    assert.deepEqual(out.missing, ['global']);
  });

  test('a failing lookup counts as nothing found', async () => {
    const c = clock();
    const out = await lookUpWithPatience(['x'], async (): Promise<LookupAnswer<string>> => Promise.reject(new Error('provider crashed')), { ...c, patienceMs: 0 });
    assert.deepEqual(out.missing, ['x']);
  });

  test('import statements are recognised, on one line or several', () => {
    const file = ["import { daysBetween } from './dates';", 'import {', '  formatDuration,', '  overlapMinutes,', "} from './format';", '', 'export function f() {', '  return daysBetween(1, 2);', '}', 'from x import (', '    a,', ')'];
    const at = (i: number): string | undefined => file[i];
    assert.equal(isInImportStatement(at, 0), true);
    assert.equal(isInImportStatement(at, 2), true);
    assert.equal(isInImportStatement(at, 3), true);
    assert.equal(isInImportStatement(at, 6), false);
    assert.equal(isInImportStatement(at, 7), false);
    assert.equal(isInImportStatement(at, 10), true);
  });

  test('the note names what is missing and says the answer may guess', () => {
    assert.equal(missingDefinitionsNote([]), undefined);
    const one = missingDefinitionsNote(['daysBetween']) ?? '';
    assert.match(one, /^Context: no definition was found for `daysBetween` \(the language server may still be starting/);
    assert.match(one, /guess what it does/);
    assert.match(missingDefinitionsNote(['a', 'b', 'c']) ?? '', /`a`, `b` and `c`/);
  });

  test('a definition is taken with its doc comment; the enclosing symbol leaves the selected lines to the selection', () => {
    const file = ['', '/**', ' * Whole days between two instants.', ' */', '@memo', 'export function daysBetween() {}'];
    assert.equal(leadingCommentStart((i) => file[i], 5), 1);
    assert.equal(leadingCommentStart((i) => file[i], 0), 0);
    assert.equal(replaceLines('function f() {\n  a();\n  b();\n  c();\n}', 1, 2, '… selected lines 2–3 (shown below) …'), 'function f() {\n  … selected lines 2–3 (shown below) …\n  c();\n}');
  });
});
