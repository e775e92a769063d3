/**
 * The files a source file imports, from its import statements alone (no compiler, no file system):
 * TypeScript/JavaScript (`import … from`, `export … from`, `require`, `import()`), Python (`import`,
 * `from … import`), Go (`import "…"` and import blocks), Rust (`use`, `mod`), Java/Kotlin (`import`) and
 * C/C++ (`#include "…"`). {@link resolveImport} turns a statement into candidate workspace paths; the
 * adapter (or the benchmark) checks which exist.
 * Pure: no `vscode` import.
 */

/** One import statement. */
export interface ImportStatement {
  /** The module as written: `./cart`, `..models.user`, `crate::cart`, `com.shop.Cart`, `cart.h`. */
  readonly specifier: string;
  /** Names the statement brings in (`{ Cart, total as sum }` → Cart, total; `import * as ns` → none). */
  readonly names: readonly string[];
  /** 0-based line of the statement. */
  readonly line: number;
  /** `<…>` includes and bare package names the language marks as external. */
  readonly system?: boolean;
}

/** Where an import may live. */
export interface ImportResolution {
  /** Workspace-relative paths to try, in order. */
  readonly paths: readonly string[];
  /** Path endings to look for anywhere in the workspace (Java packages, C includes, Rust/Python absolute modules). */
  readonly suffixes: readonly string[];
  /** Go: a package is a directory; these are endings of its path. */
  readonly directorySuffixes: readonly string[];
}

type ImportLanguage = 'js' | 'python' | 'go' | 'rust' | 'java' | 'c';

const languageOf: Readonly<Record<string, ImportLanguage>> = {
  typescript: 'js',
  typescriptreact: 'js',
  javascript: 'js',
  javascriptreact: 'js',
  vue: 'js',
  svelte: 'js',
  python: 'python',
  go: 'go',
  rust: 'rust',
  java: 'java',
  kotlin: 'java',
  scala: 'java',
  c: 'c',
  cpp: 'c',
  'objective-c': 'c',
  'objective-cpp': 'c',
  cuda: 'c',
};

/** Whether {@link parseImports} understands a VS Code language id. */
export function importsSupported(languageId: string): boolean {
  return languageOf[languageId] !== undefined;
}

// Import statements live at the top of a file; a huge generated file is not scanned to the end.
const maxScanChars = 200_000;

/** The import statements of a file, in order. Unknown languages give none. */
export function parseImports(text: string, languageId: string): ImportStatement[] {
  const language = languageOf[languageId];
  const source = text.length > maxScanChars ? text.slice(0, maxScanChars) : text;
  switch (language) {
    case 'js':
      return parseJs(source);
    case 'python':
      return parsePython(source);
    case 'go':
      return parseGo(source);
    case 'rust':
      return parseRust(source);
    case 'java':
      return parseJava(source);
    case 'c':
      return parseC(source);
    default:
      return [];
  }
}

function lineAt(text: string, index: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line += 1;
  }
  return line;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

// `{ a, type B, c as d }` → a, B, c (the exported name: that is what the other file defines).
function braceNames(list: string): string[] {
  return list
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]?.trim() ?? '')
    .filter((name) => identifier.test(name));
}

function parseJs(text: string): ImportStatement[] {
  const out: { index: number; specifier: string; names: string[] }[] = [];
  // import X, { a, b as c } from '…'   import * as ns from '…'   export { a } from '…'   import type { T } from '…'
  const fromPattern = /\b(import|export)\s+(?:type\s+)?([^;'"`]*?)\s*from\s*['"]([^'"\n]+)['"]/g;
  for (let m = fromPattern.exec(text); m !== null; m = fromPattern.exec(text)) {
    const clause = m[2] ?? '';
    const names: string[] = [];
    const brace = /\{([^}]*)\}/.exec(clause);
    if (brace) {
      names.push(...braceNames(brace[1] ?? ''));
    }
    const defaultName = /^([A-Za-z_$][\w$]*)\s*(?:,|$)/.exec(clause.trim());
    if (m[1] === 'import' && defaultName?.[1] !== undefined) {
      names.push(defaultName[1]);
    }
    out.push({ index: m.index, specifier: m[3] ?? '', names });
  }
  // import '…' (side effects), require('…'), import('…')
  const barePattern = /\bimport\s*['"]([^'"\n]+)['"]|\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)|\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;
  for (let m = barePattern.exec(text); m !== null; m = barePattern.exec(text)) {
    const specifier = m[1] ?? m[2] ?? m[3] ?? '';
    // const { a, b } = require('…')
    const before = text.slice(Math.max(0, m.index - 200), m.index);
    const destructured = /(?:const|let|var)\s*\{([^}]*)\}\s*=\s*$/.exec(before);
    out.push({ index: m.index, specifier, names: destructured ? braceNames((destructured[1] ?? '').replace(/:\s*[\w$]+/g, '')) : [] });
  }
  return out
    .sort((a, b) => a.index - b.index)
    .map((s) => ({ specifier: s.specifier, names: s.names, line: lineAt(text, s.index), ...(s.specifier.startsWith('.') || s.specifier.startsWith('/') ? {} : { system: true }) }));
}

function parsePython(text: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/#.*$/, '');
    const from = /^\s*from\s+(\.*[\w.]*)\s+import\s+(.*)$/.exec(line);
    if (from) {
      let list = from[2] ?? '';
      // from x import (a,\n b)
      if (list.includes('(') && !list.includes(')')) {
        for (let j = i + 1; j < lines.length && j < i + 50; j++) {
          list += ` ${(lines[j] ?? '').replace(/#.*$/, '')}`;
          if ((lines[j] ?? '').includes(')')) {
            break;
          }
        }
      }
      const names = list
        .replace(/[()\\]/g, ' ')
        .split(',')
        .map((part) => part.trim().split(/\s+as\s+/)[0]?.trim() ?? '')
        .filter((name) => identifier.test(name));
      out.push({ specifier: from[1] ?? '', names, line: i });
      continue;
    }
    const plain = /^\s*import\s+(.+)$/.exec(line);
    if (plain) {
      for (const part of (plain[1] ?? '').split(',')) {
        const module = part.trim().split(/\s+as\s+/)[0]?.trim() ?? '';
        if (/^[\w.]+$/.test(module)) {
          out.push({ specifier: module, names: [], line: i });
        }
      }
    }
  }
  return out;
}

function parseGo(text: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  const single = /^[ \t]*import\s+(?:[\w.]+\s+)?"([^"\n]+)"/gm;
  for (let m = single.exec(text); m !== null; m = single.exec(text)) {
    out.push({ specifier: m[1] ?? '', names: [], line: lineAt(text, m.index) });
  }
  const block = /^[ \t]*import\s*\(([^)]*)\)/gm;
  for (let m = block.exec(text); m !== null; m = block.exec(text)) {
    const body = m[1] ?? '';
    const bodyStart = m.index + m[0].indexOf('(') + 1;
    const entry = /(?:^|\n)\s*(?:[\w.]+\s+)?"([^"\n]+)"/g;
    for (let e = entry.exec(body); e !== null; e = entry.exec(body)) {
      out.push({ specifier: e[1] ?? '', names: [], line: lineAt(text, bodyStart + e.index + (e[0].startsWith('\n') ? 1 : 0)) });
    }
  }
  // The standard library has no dot in its first path element.
  return out.sort((a, b) => a.line - b.line).map((s) => (s.specifier.split('/')[0]?.includes('.') ? s : { ...s, system: true }));
}

function parseRust(text: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  const use = /^[ \t]*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);/gm;
  for (let m = use.exec(text); m !== null; m = use.exec(text)) {
    const path = (m[1] ?? '').replace(/\s*(::|,|\{|\})\s*/g, '$1').trim();
    const brace = /^(.*?)::\{(.*)\}$/.exec(path);
    const base = brace ? (brace[1] ?? '') : path.split('::').slice(0, -1).join('::');
    const leaf = brace ? (brace[2] ?? '').split(',') : [path.split('::').pop() ?? ''];
    const names = leaf.map((n) => n.trim().split(/\s+as\s+/)[0]?.split('::').pop() ?? '').filter((n) => identifier.test(n) && n !== 'self');
    const first = base.split('::')[0] ?? '';
    out.push({ specifier: base, names, line: lineAt(text, m.index), ...(['crate', 'super', 'self'].includes(first) ? {} : { system: true }) });
  }
  const mod = /^[ \t]*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_]\w*)\s*;/gm;
  for (let m = mod.exec(text); m !== null; m = mod.exec(text)) {
    out.push({ specifier: `self::${m[1] ?? ''}`, names: [], line: lineAt(text, m.index) });
  }
  return out.sort((a, b) => a.line - b.line);
}

function parseJava(text: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  const pattern = /^[ \t]*import\s+(?:static\s+)?(\w+(?:\.\w+)*)(\.\*)?\s*;?/gm;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const specifier = m[1] ?? '';
    const last = specifier.split('.').pop() ?? '';
    out.push({ specifier: `${specifier}${m[2] ?? ''}`, names: m[2] === undefined && /^[A-Z]/.test(last) ? [last] : [], line: lineAt(text, m.index), ...(/^(java|javax|kotlin|android|scala)\./.test(specifier) ? { system: true } : {}) });
  }
  return out;
}

function parseC(text: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  const pattern = /^[ \t]*#\s*(?:include|import)\s*([<"])([^>"\n]+)[>"]/gm;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    out.push({ specifier: m[2] ?? '', names: [], line: lineAt(text, m.index), ...(m[1] === '<' ? { system: true } : {}) });
  }
  return out;
}

/** `a/b/../c` → `a/c`, without leading `./`; undefined when it climbs above the workspace root. */
export function normalizePath(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      if (out.length === 0) {
        return undefined;
      }
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function join(dir: string, rest: string): string | undefined {
  return normalizePath(dir === '' ? rest : `${dir}/${rest}`);
}

const jsExtensions = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '.vue', '.svelte'];

/**
 * Candidate workspace paths of an import of `currentPath` (workspace-relative, forward slashes). Packages
 * outside the workspace (npm, the standard library, `<…>` includes) give nothing.
 */
export function resolveImport(statement: ImportStatement, currentPath: string, languageId: string): ImportResolution {
  const none: ImportResolution = { paths: [], suffixes: [], directorySuffixes: [] };
  const language = languageOf[languageId];
  const dir = dirOf(currentPath);
  const spec = statement.specifier;
  const defined = (paths: readonly (string | undefined)[]): string[] => [...new Set(paths.filter((p): p is string => p !== undefined && p !== '' && p !== currentPath))];
  switch (language) {
    case 'js': {
      if (!spec.startsWith('.') && !spec.startsWith('/')) {
        return none;
      }
      const base = join(spec.startsWith('/') ? '' : dir, spec);
      if (base === undefined) {
        return none;
      }
      // ESM TypeScript writes `./cart.js` for `./cart.ts`.
      const stem = base.replace(/\.(m|c)?js$|\.jsx$/, '');
      const hasExtension = /\.[a-z]+$/i.test(base) && stem === base;
      return {
        paths: defined([...(hasExtension ? [base] : []), ...jsExtensions.map((e) => `${stem}${e}`), ...(stem === base ? [] : [base]), ...jsExtensions.map((e) => `${stem}/index${e}`)]),
        suffixes: [],
        directorySuffixes: [],
      };
    }
    case 'python': {
      const dots = /^\.*/.exec(spec)?.[0].length ?? 0;
      const module = spec.slice(dots).replace(/\./g, '/');
      const candidates = (root: string | undefined): (string | undefined)[] =>
        root === undefined ? [] : module === '' ? [join(root, '__init__.py')] : [join(root, `${module}.py`), join(root, `${module}/__init__.py`)];
      if (dots > 0) {
        let root: string | undefined = dir;
        for (let i = 1; i < dots && root !== undefined; i++) {
          root = root === '' ? undefined : dirOf(root);
        }
        // `from . import cart` may name a module, not a name in __init__.py.
        const modules = module === '' ? statement.names.flatMap((n) => [join(root ?? '', `${n}.py`)]) : [];
        return { paths: defined([...candidates(root), ...(root === undefined ? [] : modules)]), suffixes: [], directorySuffixes: [] };
      }
      return { paths: defined([...candidates(''), ...candidates(dir), ...candidates('src')]), suffixes: module === '' ? [] : [`${module}.py`, `${module}/__init__.py`], directorySuffixes: [] };
    }
    case 'go': {
      if (statement.system === true) {
        return none;
      }
      const parts = spec.split('/');
      // The module path is unknown here: every trailing part of the import path may be the package directory.
      return { paths: [], suffixes: [], directorySuffixes: [parts.slice(-2).join('/'), parts.slice(-1).join('/')].filter((s, i, all) => s !== '' && all.indexOf(s) === i) };
    }
    case 'rust': {
      if (statement.system === true) {
        return none;
      }
      const parts = spec.split('::');
      const head = parts[0];
      const rest = parts.slice(1);
      let root: string | undefined;
      if (head === 'crate') {
        root = 'src';
      } else if (head === 'self') {
        // `mod x;` in src/a.rs lives in src/a/x.rs; in main.rs, lib.rs or mod.rs, beside it.
        const file = currentPath.slice(dir.length + (dir === '' ? 0 : 1));
        root = ['main.rs', 'lib.rs', 'mod.rs'].includes(file) ? dir : join(dir, file.replace(/\.rs$/, ''));
      } else {
        root = dirOf(dir);
      }
      const paths: (string | undefined)[] = [];
      // `use crate::a::b::C` may be the module a/b or the item b of module a.
      for (let n = rest.length; n >= 1; n--) {
        const module = rest.slice(0, n).join('/');
        paths.push(join(root ?? '', `${module}.rs`), join(root ?? '', `${module}/mod.rs`));
      }
      if (rest.length === 0 && head === 'crate') {
        paths.push('src/lib.rs', 'src/main.rs');
      }
      return { paths: defined(paths), suffixes: [], directorySuffixes: [] };
    }
    case 'java': {
      if (statement.system === true) {
        return none;
      }
      const wildcard = spec.endsWith('.*');
      const parts = (wildcard ? spec.slice(0, -2) : spec).split('.');
      const ext = languageId === 'kotlin' ? '.kt' : languageId === 'scala' ? '.scala' : '.java';
      if (wildcard) {
        return { paths: [], suffixes: [], directorySuffixes: [parts.join('/')] };
      }
      // A static import names a member: its class is the part before.
      return { paths: [], suffixes: [`${parts.join('/')}${ext}`, `${parts.slice(0, -1).join('/')}${ext}`].filter((s) => s !== ext), directorySuffixes: [] };
    }
    case 'c': {
      if (statement.system === true) {
        return none;
      }
      return { paths: defined([join(dir, spec), join('', spec), join('include', spec), join('src', spec)]), suffixes: [spec], directorySuffixes: [] };
    }
    default:
      return none;
  }
}
