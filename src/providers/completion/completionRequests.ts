import * as vscode from 'vscode';
import type { CompletionRequest } from '../../completion/types';

/** The pipeline's plain request for a document and position (VS Code types converted). */
export function toCompletionRequest(document: vscode.TextDocument, position: vscode.Position, manual: boolean, suggestWidgetItem = false): CompletionRequest {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  const insertSpaces = editor?.options.insertSpaces;
  const tabSize = editor?.options.tabSize;
  const text = document.getText();
  return {
    documentUri: document.uri.toString(),
    languageId: document.languageId,
    text,
    offset: document.offsetAt(position),
    lineEnding: document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n',
    indent: { useTabs: insertSpaces === false, size: typeof tabSize === 'number' ? tabSize : 4 },
    // UTF-16 length is close enough to bytes for a size limit, and free to compute on every keystroke.
    fileSizeBytes: text.length,
    manual,
    // While the suggest widget shows an item, VS Code wants completions that extend it (the pipeline skips, and logs why).
    suggestWidgetItem,
  };
}

/**
 * The request at the active editor's cursor for `documentUri`, if that document is the active one.
 * @param excluded why the document is a sensitive file (the prefilter then sends nothing), or undefined.
 */
export function requestAtActiveCursor(documentUri: string | undefined, excluded: (uri: vscode.Uri) => string | undefined): CompletionRequest | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || (documentUri !== undefined && editor.document.uri.toString() !== documentUri) || !editor.selection.isEmpty) {
    return undefined;
  }
  const reason = excluded(editor.document.uri);
  return { ...toCompletionRequest(editor.document, editor.selection.active, false), ...(reason !== undefined ? { excluded: reason } : {}) };
}
