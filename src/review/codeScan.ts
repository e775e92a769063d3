/**
 * Cheap, language-agnostic scans of source text that decide what context to gather for a selection:
 * which identifiers it references (to ask the definition provider about) and which import lines of the file
 * it uses. Heuristic by design: the definition provider does the real resolution.
 * Pure: no `vscode` import.
 */

/** Words that are keywords or literals in common languages: never worth a definition lookup. */
const keywords = new Set(
  (
    'abstract and as assert async await break case catch class const continue def default defer del delete do elif else enum export extends ' +
    'extern false final finally fn for from func function go if impl implements import in instanceof interface is lambda let match mod module ' +
    'mut new nil none not null of or package pass private protected pub public raise readonly return self static struct super switch this ' +
    'throw throws trait true try type typeof undefined union unsafe use var void where while with yield int long short char float double ' +
    'bool boolean string number any unknown never object str list dict set tuple println printf print console log length push map filter ' +
    'then catch resolve reject require exports prototype constructor get set include define ifdef endif ifndef sizeof unsigned signed'
  ).split(' '),
);

/** An identifier the selection uses, with the offset of its first use in the selection text. */
export interface IdentifierUse {
  readonly name: string;
  readonly offset: number;
  readonly count: number;
  /** The strongest use: called (`f(…)`), constructed (`new T(…)`, `T { … }`, `const x: T = {`), or only named. */
  readonly relation: 'called' | 'constructed' | 'referenced';
}

/** Blanks the literal text of template strings (`…`) but keeps their `${…}` parts, which are code. */
function blankTemplateText(code: string): string {
  let out = '';
  let inTemplate = false;
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i] ?? '';
    if (!inTemplate) {
      if (c === '`') {
        inTemplate = true;
        out += ' ';
        continue;
      }
      if (depth > 0 && c === '{') {
        depth += 1;
      } else if (depth > 0 && c === '}') {
        depth -= 1;
        if (depth === 0) {
          inTemplate = true;
          out += ' ';
          continue;
        }
      }
      out += c;
      continue;
    }
    if (c === '\\') {
      out += '  ';
      i += 1;
      continue;
    }
    if (c === '`') {
      inTemplate = false;
      out += ' ';
    } else if (c === '$' && code[i + 1] === '{') {
      inTemplate = false;
      depth = 1;
      out += '  ';
      i += 1;
    } else {
      out += c === '\n' ? c : ' ';
    }
  }
  return out;
}

const relationOrder = { called: 0, constructed: 1, referenced: 2 } as const;

/** How the code at `index` (the start of `name`) uses it. */
function useAt(code: string, index: number, name: string): IdentifierUse['relation'] {
  const before = code.slice(Math.max(0, index - 40), index);
  const after = code.slice(index + name.length, index + name.length + 80);
  if (/\bnew\s+$/.test(before)) {
    return 'constructed';
  }
  // A typed object literal (`const p: Point = {`, `{ … } as Point`, `satisfies Point`), or a struct literal (`Point { x: 1 }`).
  if ((/:\s*$/.test(before) && /^\s*=\s*\{/.test(after)) || /\b(?:as|satisfies)\s+$/.test(before) || (/^[A-Z]/.test(name) && /^\s*\{\s*\w+\s*:/.test(after))) {
    return 'constructed';
  }
  if (/^\s*(?:<[^<>()]*(?:<[^<>()]*>[^<>()]*)*>)?\s*\(/.test(after) || /^\s*(?:!|\?\.)\s*\(/.test(after)) {
    return 'called';
  }
  return 'referenced';
}

/**
 * Identifiers the selection references, without keywords, short names and names the selection itself declares
 * (`const x`, `function f`, `def g`, `let y`; parameters are not detected). Ordered by how directly the code
 * depends on them (called, then constructed, then named), then most used first, then first used first.
 */
export function referencedIdentifiers(selectionText: string, max = 12): IdentifierUse[] {
  const uses = new Map<string, { offset: number; count: number; relation: IdentifierUse['relation'] }>();
  // Skip string contents and comments roughly: they name things that are not code references.
  const code = blankTemplateText(
    selectionText.replace(/\/\/[^\n]*|#[^\n!]*$|\/\*[\s\S]*?\*\//gm, (m) => ' '.repeat(m.length)).replace(/(["'])(?:\\.|(?!\1)[^\\\n])*\1/g, (m) => ' '.repeat(m.length)),
  );
  const declared = new Set<string>();
  for (const m of code.matchAll(/\b(?:const|let|var|function|def|class|fn|func|type|interface|struct|enum)\s+([A-Za-z_$][\w$]*)/g)) {
    if (m[1] !== undefined) {
      declared.add(m[1]);
    }
  }
  for (const m of code.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const name = m[0];
    if (name.length < 2 || keywords.has(name) || keywords.has(name.toLowerCase()) || declared.has(name) || /^\d/.test(name)) {
      continue;
    }
    // A property access (`obj.name`) is looked up through its object; keep only the first segment's name.
    const before = m.index > 0 ? code[m.index - 1] : '';
    if (before === '.') {
      continue;
    }
    const relation = useAt(code, m.index, name);
    const u = uses.get(name);
    if (u === undefined) {
      uses.set(name, { offset: m.index, count: 1, relation });
    } else {
      u.count += 1;
      if (relationOrder[relation] < relationOrder[u.relation]) {
        u.relation = relation;
      }
    }
  }
  return [...uses.entries()]
    .map(([name, u]) => ({ name, offset: u.offset, count: u.count, relation: u.relation }))
    .sort((a, b) => relationOrder[a.relation] - relationOrder[b.relation] || b.count - a.count || a.offset - b.offset)
    .slice(0, max);
}

const importLine = /^\s*(?:import\b|from\s+\S+\s+import\b|export\s+(?:\*|\{[^}]*\})\s+from\b|(?:const|let|var)\s+[^=]+=\s*require\(|use\s+[\w:{}, ]+;|#\s*include\b|using\s+[\w.]+;|require\s+['"]|@import\b)/;

/**
 * The import lines of a file (first 400 lines) that the selection uses: an import line is kept when one of the
 * names it brings in appears as a word in the selection (`#include` lines are always kept: they do not name
 * what they bring). Multi-line `import { … } from` statements are joined.
 */
export function usedImports(documentText: string, selectionText: string, maxLines = 40): string[] {
  const lines = documentText.split('\n').slice(0, 400);
  const words = new Set(selectionText.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < maxLines; i++) {
    let line = (lines[i] ?? '').replace(/\r$/, '');
    if (!importLine.test(line)) {
      continue;
    }
    // Join a multi-line statement: `import {` … `} from 'x';`.
    if (/\{[^}]*$/.test(line)) {
      let j = i + 1;
      while (j < lines.length && j < i + 60 && !/\}/.test(lines[j - 1] ?? '')) {
        line += `\n${(lines[j] ?? '').replace(/\r$/, '')}`;
        j++;
      }
      i = j - 1;
    }
    if (/^\s*#\s*include\b/.test(line)) {
      out.push(line);
      continue;
    }
    const names = (line.replace(/(["'`]).*?\1/g, ' ').match(/[A-Za-z_$][\w$]*/g) ?? []).filter((n) => !keywords.has(n) && n !== 'from' && n !== 'import');
    if (names.some((n) => words.has(n))) {
      out.push(line);
    }
  }
  return out;
}

/**
 * Whether line `line` (0-based) is part of an import statement: an import line itself, or a line inside a
 * multi-line `import { … } from` / `from x import (…)`. A "definition" found there is where the name is brought in,
 * not where it is defined.
 */
export function isInImportStatement(lineAt: (line: number) => string | undefined, line: number): boolean {
  const text = lineAt(line);
  if (text === undefined) {
    return false;
  }
  if (importLine.test(text)) {
    return true;
  }
  for (let i = line - 1; i >= 0 && i >= line - 60; i--) {
    const above = lineAt(i) ?? '';
    if (/[})]/.test(above) || /;\s*$/.test(above)) {
      return false;
    }
    if (importLine.test(above)) {
      return /[{(]\s*(?:\/\/.*)?$/.test(above) || /[{(][^})]*$/.test(above);
    }
  }
  return false;
}

/** `text` with its lines `from`–`to` (0-based, inclusive) replaced by one marker line (the code shown elsewhere). */
export function replaceLines(text: string, from: number, to: number, marker: string): string {
  const lines = text.split('\n');
  if (from < 0 || to < from || from >= lines.length) {
    return text;
  }
  const indent = /^\s*/.exec(lines[from] ?? '')?.[0] ?? '';
  lines.splice(from, Math.min(to, lines.length - 1) - from + 1, `${indent}${marker}`);
  return lines.join('\n');
}
