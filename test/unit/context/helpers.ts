/** Shared helpers for the context engine tests (not a test file itself). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../doubles/seededRandom';

export { seededRandom };

export function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

/** Realistic source text: this repository's own TypeScript sources, concatenated in a fixed order. */
export function repoSource(maxChars = 200_000): string {
  const root = path.resolve(__dirname, '../../../src');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.ts')) {
        files.push(full);
      }
    }
  };
  walk(root);
  let out = '';
  for (const f of files) {
    out += fs.readFileSync(f, 'utf8');
    if (out.length >= maxChars) {
      break;
    }
  }
  return out.slice(0, maxChars);
}

/** A deterministic code-like file of `lines` lines. */
export function syntheticCode(lines: number, seed = 1): string {
  const rand = seededRandom(seed);
  const names = ['user', 'account', 'total', 'index', 'parseConfig', 'renderView', 'fetchItems', 'cache', 'logger', 'request'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const indent = '  '.repeat(Math.floor(rand() * 4));
    const a = pick(rand, names);
    const b = pick(rand, names);
    switch (Math.floor(rand() * 5)) {
      case 0:
        out.push(`${indent}const ${a}${i} = ${b}(${Math.floor(rand() * 1000)});`);
        break;
      case 1:
        out.push(`${indent}if (${a} !== undefined && ${b}.length > ${i}) {`);
        break;
      case 2:
        out.push(`${indent}// ${a} keeps the ${b} in sync with line ${i}`);
        break;
      case 3:
        out.push(`${indent}return ${a}.map((x) => x.${b} + ${i});`);
        break;
      default:
        out.push(`${indent}}`);
    }
  }
  return out.join('\n');
}
