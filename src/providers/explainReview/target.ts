import * as vscode from 'vscode';
import type { CodeUnderReview } from '../../review/prompts';

/** The code a command acts on, in the document and as the pure core sees it. */
export interface CodeTarget {
  readonly document: vscode.TextDocument;
  readonly range: vscode.Range;
  readonly code: CodeUnderReview;
  /** The document symbols (flattened, outermost first), reused by the context gatherer. */
  readonly symbols: readonly vscode.DocumentSymbol[];
}

/** Why a command cannot act. */
export interface Refusal {
  readonly refused: string;
}

export function isRefusal(value: CodeTarget | Refusal): value is Refusal {
  return 'refused' in value;
}

const functionKinds = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);

/** Lines of a whole file small enough to act on when there is no selection and no enclosing function. */
const wholeFileMaxLines = 200;

function isDocumentSymbol(value: unknown): value is vscode.DocumentSymbol {
  return typeof value === 'object' && value !== null && 'children' in value && 'selectionRange' in value;
}

/** Flattened document symbols, outermost first; [] when the provider has none or fails. */
export async function documentSymbols(document: vscode.TextDocument): Promise<vscode.DocumentSymbol[]> {
  let result: unknown;
  try {
    result = await Promise.race([
      vscode.commands.executeCommand<unknown>('vscode.executeDocumentSymbolProvider', document.uri),
      new Promise((resolve) => setTimeout(() => resolve(undefined), 3000)),
    ]);
  } catch {
    return [];
  }
  if (!Array.isArray(result)) {
    return [];
  }
  const out: vscode.DocumentSymbol[] = [];
  const walk = (list: readonly unknown[]): void => {
    for (const s of list) {
      if (isDocumentSymbol(s)) {
        out.push(s);
        walk(s.children);
      }
    }
  };
  walk(result);
  return out;
}

/** The innermost symbol of the given kinds that contains the range (and is larger than it, if `strict`). */
export function innermostContaining(symbols: readonly vscode.DocumentSymbol[], range: vscode.Range, kinds?: ReadonlySet<vscode.SymbolKind>, strict = false): vscode.DocumentSymbol | undefined {
  let best: vscode.DocumentSymbol | undefined;
  for (const s of symbols) {
    if (kinds !== undefined && !kinds.has(s.kind)) {
      continue;
    }
    if (!s.range.contains(range) || (strict && s.range.isEqual(range))) {
      continue;
    }
    if (best === undefined || best.range.contains(s.range)) {
      best = s;
    }
  }
  return best;
}

/** A name for the document in prompts and headers: workspace-relative path, untitled name, or notebook + cell. */
export function documentLabel(document: vscode.TextDocument): string {
  if (document.uri.scheme === 'vscode-notebook-cell') {
    for (const nb of vscode.workspace.notebookDocuments) {
      const cell = nb.getCells().find((c) => c.document === document);
      if (cell !== undefined) {
        return `${vscode.workspace.asRelativePath(nb.uri)} (cell ${cell.index + 1})`;
      }
    }
  }
  if (document.isUntitled) {
    return document.uri.path;
  }
  return vscode.workspace.asRelativePath(document.uri);
}

/** Why a document cannot be explained or reviewed, if it cannot. */
export function refuseDocument(document: vscode.TextDocument): string | undefined {
  const head = document.getText(new vscode.Range(0, 0, Math.min(document.lineCount, 2000), 0));
  if (head.includes('\u0000')) {
    return `${documentLabel(document)} looks like a binary file (it contains NUL bytes); Tiered explains and reviews text only.`;
  }
  let replacement = 0;
  for (let i = 0; i < head.length && i < 20_000; i++) {
    if (head.charCodeAt(i) === 0xfffd) {
      replacement++;
    }
  }
  if (replacement > 32 && replacement > head.length / 50) {
    return `${documentLabel(document)} is not valid text in its encoding (many undecodable bytes); reopen it with the right encoding, or pick a text file.`;
  }
  return undefined;
}

function trimRange(document: vscode.TextDocument, range: vscode.Range): vscode.Range {
  // A selection made by dragging to the start of the next line should not include that empty line.
  if (!range.isSingleLine && range.end.character === 0) {
    const prev = range.end.line - 1;
    return new vscode.Range(range.start, document.lineAt(prev).range.end);
  }
  return range;
}

/**
 * The code to act on: the selection; without one the enclosing function (from the symbol provider), else the
 * whole file when it is small, else the current line, each with a note saying so.
 */
export async function resolveTarget(editor: vscode.TextEditor | undefined, verb: string): Promise<CodeTarget | Refusal> {
  if (editor === undefined) {
    return { refused: `Open a text file and select code to ${verb}. (Binary files and non-text editors are not supported.)` };
  }
  const document = editor.document;
  const refused = refuseDocument(document);
  if (refused !== undefined) {
    return { refused };
  }
  const symbols = await documentSymbols(document);
  let range: vscode.Range;
  let note: string | undefined;
  if (!editor.selection.isEmpty) {
    range = trimRange(document, editor.selection);
    if (editor.selections.length > 1) {
      note = `Only the primary selection is used (${editor.selections.length} selections).`;
    }
  } else {
    const fn = innermostContaining(symbols, new vscode.Range(editor.selection.active, editor.selection.active), functionKinds);
    if (fn !== undefined) {
      range = fn.range;
      note = `No selection: using the enclosing ${vscode.SymbolKind[fn.kind].toLowerCase()} \`${fn.name}\`.`;
    } else if (document.lineCount <= wholeFileMaxLines) {
      range = new vscode.Range(0, 0, document.lineCount - 1, document.lineAt(document.lineCount - 1).text.length);
      note = 'No selection and no enclosing function: using the whole file.';
    } else {
      range = document.lineAt(editor.selection.active.line).range;
      note = `No selection and no enclosing function: using the current line (${editor.selection.active.line + 1}). Select code to ${verb} more.`;
    }
  }
  const text = document.getText(range);
  if (text.trim() === '') {
    return { refused: `Nothing to ${verb}: the ${editor.selection.isEmpty ? 'current line' : 'selection'} is empty.` };
  }
  return {
    document,
    range,
    symbols,
    code: { text, startLine: range.start.line + 1, path: documentLabel(document), languageId: document.languageId, ...(note !== undefined ? { note } : {}) },
  };
}

/** A target for an explicit range of a document (quick fixes, tests). */
export async function targetForRange(document: vscode.TextDocument, range: vscode.Range): Promise<CodeTarget> {
  const symbols = await documentSymbols(document);
  return { document, range, symbols, code: { text: document.getText(range), startLine: range.start.line + 1, path: documentLabel(document), languageId: document.languageId } };
}
