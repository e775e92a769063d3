/**
 * A synthetic source tree for the index benches (bench/indexScale.bench.ts) and the typing bench's large-workspace
 * variant (bench/typing.bench.ts, TYPING_INDEX=large): files of ~10 KB of TypeScript, Python and Go made of
 * realistic identifiers, 100 files per folder. Seeded: the same tree every time. Simulated code, not anyone's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const words = 'user account order invoice payment session token cache route handler request response stream buffer parser lexer config setting model tier prompt chunk index query result error retry timeout socket server client message event queue worker job task schedule metric report file folder path image layout render widget button editor cursor selection range diff patch commit branch merge'.split(' ');

let seed = 42;
/** A seeded integer in [0, n). */
export function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
/** One of the tree's words. */
export const word = (): string => words[rand(words.length)] ?? 'word';
const cap = (w: string): string => (w[0] ?? '').toUpperCase() + w.slice(1);
/** A camel-case identifier of three words. */
export const ident = (): string => `${word()}${cap(word())}${cap(word())}`;

export function tsFile(target: number): string {
  const parts: string[] = [`import { ${cap(word())}${cap(word())} } from './${word()}';\n`];
  let size = 0;
  while (size < target) {
    const name = ident();
    const body = Array.from({ length: 8 + rand(20) }, () => `  const ${ident()} = ${ident()}(${word()}, ${rand(1000)});`).join('\n');
    const text = `\n/** Handles the ${word()} ${word()} of the ${word()}. */\nexport function ${name}(${word()}: ${cap(word())}): ${cap(word())} {\n${body}\n  return ${word()};\n}\n`;
    parts.push(text);
    size += text.length;
  }
  return parts.join('');
}

export function pyFile(target: number): string {
  const parts: string[] = ['import os\n'];
  let size = 0;
  while (size < target) {
    const body = Array.from({ length: 8 + rand(20) }, () => `        ${word()}_${word()} = self.${word()}_${word()}(${word()}, ${rand(1000)})`).join('\n');
    const text = `\n\nclass ${cap(word())}${cap(word())}:\n    def ${word()}_${word()}(self, ${word()}):\n${body}\n        return ${word()}\n`;
    parts.push(text);
    size += text.length;
  }
  return parts.join('');
}

export function goFile(target: number): string {
  const parts: string[] = ['package main\n'];
  let size = 0;
  while (size < target) {
    const body = Array.from({ length: 8 + rand(20) }, () => `\t${word()}${cap(word())} := ${cap(word())}${cap(word())}(${word()}, ${rand(1000)})`).join('\n');
    const text = `\nfunc ${cap(word())}${cap(word())}(${word()} *${cap(word())}) error {\n${body}\n\treturn nil\n}\n`;
    parts.push(text);
    size += text.length;
  }
  return parts.join('');
}

/** A new file of the same language as `relativePath` (a save that changed everything). */
export function sameKindFile(relativePath: string): string {
  return relativePath.endsWith('.ts') ? tsFile(10_000) : relativePath.endsWith('.py') ? pyFile(10_000) : goFile(10_000);
}

/** Writes `fileCount` files under `root` (pkgN/modM/…); returns the bytes written. */
export function makeTree(root: string, fileCount: number): number {
  let bytes = 0;
  for (let i = 0; i < fileCount; i++) {
    const dir = path.join(root, `pkg${i % 100}`, `mod${Math.floor(i / 100) % 10}`);
    mkdirSync(dir, { recursive: true });
    const kind = i % 3;
    const text = kind === 0 ? tsFile(10_000) : kind === 1 ? pyFile(10_000) : goFile(10_000);
    writeFileSync(path.join(dir, `${ident()}${i}.${kind === 0 ? 'ts' : kind === 1 ? 'py' : 'go'}`), text);
    bytes += text.length;
  }
  return bytes;
}
