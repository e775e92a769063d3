/**
 * The short form of a definition: its doc comment and signature, with the body cut visibly. When the budget
 * cannot hold a supporting definition whole, the layout shortens it to this before dropping it: a helper's
 * contract (what it takes, returns and promises) is worth more than nothing, and far more than its first lines.
 * Language-agnostic heuristics (brace languages, Python-like `:` blocks); pure: no `vscode` import.
 */

/** Doc comment lines kept at most (the start of a long comment says what the definition is for). */
const maxDocLines = 16;
/** Signature lines kept at most (long parameter lists). */
const maxSignatureLines = 12;
/** Python docstring lines kept at most. */
const maxDocstringLines = 12;

/** Type declarations up to this many lines have no shorter form. */
const maxWholeTypeLines = 40;
const typeDeclaration = /^\s*(?:export\s+)?(?:declare\s+)?(?:pub(?:\([\w\s]*\))?\s+)?(?:abstract\s+)?(?:interface|type|struct|enum|class|record|union|trait)\b/;
const commentLine = /^\s*(?:\/\*\*?|\*(?!\/)|\*\/|\/\/\/?|#(?![![])|--|;;)/;
const decoratorLine = /^\s*@[\w.]+/;
const pythonBlockOpen = /^\s*(?:async\s+def|def|class)\b[^#]*:\s*(?:#.*)?$/;

/** The marker that stands for a cut body. */
export function bodyCutMarker(lines: number): string {
  return `… [body cut: ${lines} line${lines === 1 ? '' : 's'}] …`;
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

/** Index of the last line of a Python docstring that starts at `start` (or -1 when there is none). */
function docstringEnd(lines: readonly string[], start: number): number {
  const first = lines[start]?.trim() ?? '';
  const quote = first.startsWith('"""') ? '"""' : first.startsWith("'''") ? "'''" : undefined;
  if (quote === undefined) {
    return -1;
  }
  if (first.length >= 6 && first.endsWith(quote)) {
    return start;
  }
  for (let i = start + 1; i < lines.length && i <= start + maxDocstringLines; i++) {
    if ((lines[i] ?? '').includes(quote)) {
      return i;
    }
  }
  return -1;
}

/**
 * The doc comment + signature of a definition with its body replaced by a marker, or undefined when there is
 * nothing worth cutting (a type alias, a small interface, a one-liner: the short form would be the whole).
 */
export function definitionSummary(text: string): string | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && (lines.at(-1) ?? '').trim() === '') {
    lines.pop();
  }
  const n = lines.length;
  if (n < 4) {
    return undefined;
  }
  // Leading doc comment and decorators.
  let i = 0;
  while (i < n && (commentLine.test(lines[i] ?? '') || decoratorLine.test(lines[i] ?? '') || (lines[i] ?? '').trim() === '')) {
    i++;
  }
  if (i >= n) {
    return undefined;
  }
  const docLines = lines.slice(0, i);
  const doc = docLines.length > maxDocLines ? [...docLines.slice(0, maxDocLines - 1), `${indentOf(docLines[0] ?? '')}… [${docLines.length - maxDocLines + 1} comment lines cut] …`] : docLines;
  const sigStart = i;
  // A type's body is its contract (fields, members): shorten only a long one.
  if (typeDeclaration.test(lines[sigStart] ?? '') && n - sigStart <= maxWholeTypeLines) {
    return undefined;
  }
  // The signature ends at the line that opens the body: `{` (brace languages), `=>`, or a Python block's `:`.
  let sigEnd = -1;
  for (let j = sigStart; j < n && j < sigStart + maxSignatureLines; j++) {
    const line = (lines[j] ?? '').replace(/\/\/.*$/, '').trimEnd();
    if (pythonBlockOpen.test(line) || /\{\s*$/.test(line) || /=>\s*\{?\s*$/.test(line) || /\)\s*:\s*$/.test(line)) {
      sigEnd = j;
      break;
    }
  }
  if (sigEnd === -1) {
    return undefined;
  }
  let keepTo = sigEnd;
  const docstringLast = pythonBlockOpen.test(lines[sigEnd] ?? '') || /:\s*$/.test(lines[sigEnd] ?? '') ? docstringEnd(lines, sigEnd + 1) : -1;
  if (docstringLast !== -1) {
    keepTo = docstringLast;
  }
  // A closing line (`}`, `};`, `end`) is kept so the short form still reads as a whole definition.
  const last = lines[n - 1] ?? '';
  const closing = /^\s*(?:\}[;,)]*|end)\s*$/.test(last) ? n - 1 : n;
  const cut = closing - keepTo - 1;
  // Not worth it when the body is only a few lines: the whole definition is nearly as short.
  if (cut < 3) {
    return undefined;
  }
  const bodyIndent = indentOf(lines[keepTo + 1] ?? '') || `${indentOf(lines[sigEnd] ?? '')}  `;
  const out = [...doc, ...lines.slice(sigStart, keepTo + 1), `${bodyIndent}${bodyCutMarker(cut)}`];
  if (closing === n - 1) {
    out.push(last);
  }
  return out.join('\n');
}

/**
 * The first line of the doc comment (and decorators) right above line `start`, or `start` when there is none:
 * definition providers point at the declaration, and its doc comment is the best short description of it.
 */
export function leadingCommentStart(lineAt: (line: number) => string | undefined, start: number, maxLines = 40): number {
  let first = start;
  for (let i = start - 1; i >= 0 && i >= start - maxLines; i--) {
    const line = lineAt(i) ?? '';
    if (line.trim() === '' || !(commentLine.test(line) || decoratorLine.test(line))) {
      break;
    }
    first = i;
  }
  return first;
}
