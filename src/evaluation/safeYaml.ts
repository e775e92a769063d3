/**
 * Reading a YAML file that may be hostile (a cloned repository's test cases, a promptfoo configuration):
 * size-capped, no anchors or aliases ("billion laughs"), no `__proto__`/`constructor`/`prototype` keys, bracket
 * nesting capped before the parser recurses. Never throws. Pure: no `vscode` import.
 */
import { LineCounter, parseDocument } from 'yaml';

/** The outcome of {@link loadYaml}: the plain value, or the first thing wrong with its 1-based line. */
export type YamlLoad = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly line: number; readonly message: string };

const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const maxBracketDepth = 32;

function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (const c of text) {
    if (c === '[' || c === '{') {
      max = Math.max(max, ++depth);
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
    }
  }
  return max;
}

/** The dotted path of the first forbidden key in a plain value, or undefined. */
function forbiddenKeyPath(value: unknown, depth = 0): string | undefined {
  if (depth > 64 || value === null || typeof value !== 'object') {
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    if (forbiddenKeys.has(key)) {
      return key;
    }
    const below = forbiddenKeyPath(child, depth + 1);
    if (below !== undefined) {
      return `${key}.${below}`;
    }
  }
  return undefined;
}

/** Parses `text` as one YAML document under the rules above; `maxChars` caps the size. */
export function loadYaml(text: string, maxChars: number): YamlLoad {
  if (text.length > maxChars) {
    return { ok: false, line: 1, message: `the file is too large (${text.length} characters; at most ${maxChars})` };
  }
  const depth = bracketDepth(text);
  if (depth > maxBracketDepth) {
    return { ok: false, line: 1, message: `nested too deeply (${depth} levels of brackets; at most ${maxBracketDepth})` };
  }
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, stringKeys: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      return { ok: false, line: lineCounter.linePos(first.pos[0]).line, message: first.message.split('\n')[0] ?? first.message };
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 0 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, line: 1, message: /alias/i.test(message) ? 'anchors and aliases (*name) are not allowed' : message };
    }
    const forbidden = forbiddenKeyPath(value);
    if (forbidden !== undefined) {
      return { ok: false, line: 1, message: `the key "${forbidden}" is not allowed` };
    }
    return { ok: true, value };
  } catch (error) {
    return { ok: false, line: 1, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}
