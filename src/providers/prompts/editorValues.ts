import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EditorValues } from '../../prompts/variables';

/** The prompt variables taken from the active editor (all empty when no editor is open). */
export function editorValues(editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor): EditorValues {
  const firstFolder = vscode.workspace.workspaceFolders?.[0];
  if (editor === undefined) {
    return firstFolder ? { workspaceFolder: firstFolder.uri.fsPath } : {};
  }
  const doc = editor.document;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri) ?? firstFolder;
  const selection = editor.selections
    .filter((s) => !s.isEmpty)
    .map((s) => doc.getText(s))
    .join('\n');
  const file = doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri, false);
  const fsPath = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.path;
  return {
    selection,
    file,
    fileBasename: path.basename(fsPath),
    fileDirname: path.dirname(fsPath),
    fileContent: doc.getText(),
    language: doc.languageId,
    ...(folder ? { workspaceFolder: folder.uri.fsPath } : {}),
  };
}
