/**
 * Cutting files into snippets: the declaration block that starts at a line (for a definition the language
 * server pointed at), a file split at its top-level declarations (for imported files), a window around a
 * line (for the recent-chunk ring), and which names a chunk declares.
 * Pure: no `vscode` import.
 */
import { memoByText } from './memo';

/** Lines at most in one snippet (llama.vscode's ring uses 64). */
export const maxChunkLines = 64;

/** A slice of a file. */
export interface Chunk {
  /** 0-based first line. */
  readonly startLine: number;
  readonly text: string;
}

// The lines of the files read most recently: one file gives many declarations.
const linesOf = memoByText(32, (text): readonly string[] => text.split('\n'));

function leadingWhitespace(line: string): number {
  const match = /^[ \t]*/.exec(line);
  return match ? match[0].replace(/\t/g, '    ').length : 0;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

// Lines that belong to the declaration below them: doc comments, decorators and attributes.
function isLeadIn(line: string): boolean {
  const t = line.trim();
  return t.startsWith('/**') || t.startsWith('*') || t.startsWith('//') || t.startsWith('#[') || t.startsWith('@') || t.startsWith('///') || (t.startsWith('#') && !t.startsWith('#include') && !t.startsWith('#define'));
}

// Braces, brackets and parentheses opened minus closed on a line, ignoring strings and line comments (roughly).
function depthChange(line: string): number {
  const code = line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""').replace(/\/\/.*$/, '');
  let depth = 0;
  for (const ch of code) {
    if (ch === '{' || ch === '(' || ch === '[') {
      depth += 1;
    } else if (ch === '}' || ch === ')' || ch === ']') {
      depth -= 1;
    }
  }
  return depth;
}

/**
 * The declaration that starts at `line` (0-based) of `text`: its doc comment and decorators above it, then
 * down to where its brackets close (C-like languages) or its indented body ends (Python, YAML-like code),
 * at most `maxLines` lines.
 */
export function declarationAt(text: string, line: number, maxLines = 40): Chunk {
  const lines = linesOf(text);
  const at = Math.max(0, Math.min(line, lines.length - 1));
  let start = at;
  while (start > 0 && at - start < 8 && isLeadIn(lines[start - 1] ?? '') && !isBlank(lines[start - 1] ?? '')) {
    start -= 1;
  }
  const indent = leadingWhitespace(lines[at] ?? '');
  let end = at;
  let depth = 0;
  // 'brackets': until the brackets opened close; 'indent': until a line as shallow as the header (Python,
  // a type alias continued on indented lines).
  let mode: 'brackets' | 'indent' | undefined;
  for (let i = at; i < lines.length && i - start < maxLines; i++) {
    const current = lines[i] ?? '';
    if (mode === 'indent' && i > at && !isBlank(current) && leadingWhitespace(current) <= indent) {
      break;
    }
    end = i;
    depth += depthChange(current);
    const continues = /(:|=|=>|,|\||&|\\)\s*$/.test(current.replace(/#.*$/, '').trimEnd());
    if (mode === 'indent') {
      continue;
    }
    if (depth > 0) {
      mode = 'brackets';
    } else if (mode === 'brackets' || mode === undefined) {
      // Brackets closed (or never opened): done, unless the header goes on (`def f(\n a,\n):`, `type X =`).
      if (!continues) {
        break;
      }
      mode = 'indent';
    }
  }
  while (end > at && isBlank(lines[end] ?? '')) {
    end -= 1;
  }
  return { startLine: start, text: lines.slice(start, end + 1).join('\n') };
}

/** `maxLines` lines of `text` centred on `line` (0-based), e.g. what the user was looking at. */
export function chunkAround(text: string, line: number, maxLines = maxChunkLines): Chunk {
  const lines = text.split('\n');
  const half = Math.floor(maxLines / 2);
  const start = Math.max(0, Math.min(line - half, lines.length - maxLines));
  return { startLine: start, text: lines.slice(start, start + maxLines).join('\n') };
}

/**
 * A file split into chunks of at most `maxLines` lines, cut where top-level declarations start (a
 * non-blank line without indentation after a blank line or a closing line), so a chunk rarely starts in
 * the middle of a function. Blank-only chunks are dropped.
 */
export function splitIntoChunks(text: string, maxLines = maxChunkLines): Chunk[] {
  const lines = text.split('\n');
  const chunks: Chunk[] = [];
  let start = 0;
  const push = (from: number, to: number): void => {
    let a = from;
    let b = to;
    while (a < b && isBlank(lines[a] ?? '')) {
      a += 1;
    }
    while (b > a && isBlank(lines[b - 1] ?? '')) {
      b -= 1;
    }
    if (b > a) {
      chunks.push({ startLine: a, text: lines.slice(a, b).join('\n') });
    }
  };
  // Top-level starts: where a new chunk may begin.
  const boundary = (i: number): boolean => {
    const current = lines[i] ?? '';
    const previous = lines[i - 1] ?? '';
    if (isBlank(current) || leadingWhitespace(current) > 0 || /^[)}\]]/.test(current)) {
      return false;
    }
    return isBlank(previous) || /^[)}\]]/.test(previous.trim()) || (leadingWhitespace(previous) === 0 && /[;}]\s*$/.test(previous));
  };
  let lastBoundary = 0;
  for (let i = 1; i <= lines.length; i++) {
    if (i === lines.length) {
      push(start, i);
      break;
    }
    if (boundary(i)) {
      lastBoundary = i;
    }
    if (i - start >= maxLines) {
      // Cut at the last declaration start inside the chunk; a declaration longer than a chunk is cut where it is.
      const cut = lastBoundary > start ? lastBoundary : i;
      push(start, cut);
      start = cut;
    } else if (boundary(i) && i - start >= maxLines / 2) {
      push(start, i);
      start = i;
    }
  }
  return chunks;
}

const declarationPattern =
  /(?:^|[\s(;{}])(?:function\*?|class|interface|type|enum|const|let|var|def|struct|union|trait|fn|func|mod|namespace|record|object|typedef(?:\s+struct)?|impl(?:<[^>]*>)?)\s+(?:\([^)]*\)\s*)?\*?([A-Za-z_$][\w$]*)/g;

/** Names a chunk of code declares (functions, classes, types, constants, methods of Go receivers…). */
export function declaredNames(text: string): Set<string> {
  const names = new Set<string>();
  for (let m = declarationPattern.exec(text); m !== null; m = declarationPattern.exec(text)) {
    if (m[1] !== undefined) {
      names.add(m[1]);
    }
  }
  // `export const { a, b } = …` and Python/Ruby top-level assignments `NAME = …`.
  for (const m of text.matchAll(/^(?:export\s+)?(?:const|let|var)\s*\{([^}]*)\}\s*=/gm)) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = part.split(':').pop()?.trim() ?? '';
      if (/^[A-Za-z_$][\w$]*$/.test(name)) {
        names.add(name);
      }
    }
  }
  for (const m of text.matchAll(/^([A-Za-z_][\w]*)\s*(?::[^=\n]*)?=(?!=)/gm)) {
    if (m[1] !== undefined) {
      names.add(m[1]);
    }
  }
  return names;
}

/** {@link declaredNames} as a list, remembered for the texts seen most recently. */
export const declaredNamesOf = memoByText(2048, (text): readonly string[] => [...declaredNames(text)]);

/**
 * The declaration blocks of `names` in a file (see {@link declarationAt}), one per name found, in the order
 * of `names`: what the definition of an imported name looks like without a language server.
 */
export function declarationsOf(text: string, names: readonly string[], maxLines = 40): (Chunk & { readonly name: string })[] {
  const out: (Chunk & { readonly name: string })[] = [];
  for (const name of names) {
    const line = declarationLine(text, name);
    if (line >= 0) {
      out.push({ ...declarationAt(text, line, maxLines), name });
    }
  }
  return out;
}

/**
 * 0-based line where `name` is declared in `text`, or -1: the first line matching a declaration of it
 * (what a definition provider would point at, for files it cannot see).
 */
export function declarationLine(text: string, name: string): number {
  // Only the lines that mention the name are read: the file is not split.
  for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + name.length)) {
    const start = text.lastIndexOf('\n', at) + 1;
    const endAt = text.indexOf('\n', at);
    const line = text.slice(start, endAt === -1 ? text.length : endAt);
    declarationPattern.lastIndex = 0;
    for (let m = declarationPattern.exec(line); m !== null; m = declarationPattern.exec(line)) {
      if (m[1] === name) {
        declarationPattern.lastIndex = 0;
        return lineOf(text, start);
      }
    }
    at = endAt === -1 ? text.length : endAt;
  }
  return -1;
}

function lineOf(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
  }
  return line;
}
