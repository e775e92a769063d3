/** What a click in an answer opens: a link (after asking), or one of its sources at its lines. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnswerSource } from '../../chat/chatTypes';
import { uniqueRootNames } from '../../index/roots';

/**
 * Opens a link from an answer only after the user says so: model output is untrusted, and a link's text can
 * hide where it goes, so the whole address is shown. Only web and mail links; then VS Code's own opener
 * (`openExternal`, which also applies the trusted-domains check).
 */
export async function openAnswerLink(url: string): Promise<void> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(url, true);
  } catch {
    return;
  }
  if (!['http', 'https', 'mailto'].includes(uri.scheme)) {
    return;
  }
  const open = 'Open Link';
  const copy = 'Copy Link';
  const choice = await vscode.window.showInformationMessage(
    'Open a link from a model answer?',
    { modal: true, detail: `${uri.toString(true)}\n\nAnswers are written by a model: check where the link goes before opening it.` },
    open,
    copy,
  );
  if (choice === open) {
    await vscode.env.openExternal(uri);
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(uri.toString(true));
  }
}

/**
 * Opens a source of an answer at its lines (selected, and scrolled into view), if it is a file inside one of the
 * workspace folders: a relative path that stays inside the folder after `..` is resolved. In a multi-root
 * workspace a path may start with a folder's name (`api/src/a.ts`, as the workspace index names files there): that
 * folder is tried first. False when it is not (or no longer exists).
 */
export async function openSourceInWorkspace(source: AnswerSource, folders: readonly vscode.WorkspaceFolder[]): Promise<boolean> {
  if (path.isAbsolute(source.path) || path.win32.isAbsolute(source.path) || source.path.includes('\0')) {
    return false;
  }
  const names = folders.length > 1 ? uniqueRootNames(folders.map((f) => f.name)) : [];
  const named = folders.flatMap((folder, i) => (names[i] !== undefined && source.path.startsWith(`${names[i]}/`) ? [{ folder, relative: source.path.slice((names[i] ?? '').length + 1) }] : []));
  for (const { folder, relative } of [...named, ...folders.map((folder) => ({ folder, relative: source.path }))]) {
    const uri = vscode.Uri.joinPath(folder.uri, relative);
    const inside = path.posix.relative(folder.uri.path, uri.path);
    if (inside === '' || inside.startsWith('..') || path.posix.isAbsolute(inside)) {
      continue;
    }
    let isFile = false;
    try {
      isFile = ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.File) !== 0;
    } catch {
      isFile = false;
    }
    if (!isFile) {
      continue;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const last = Math.max(0, Math.min(source.endLine, doc.lineCount) - 1);
    const first = Math.max(0, Math.min(source.startLine, doc.lineCount) - 1);
    const range = new vscode.Range(first, 0, last, doc.lineAt(last).text.length);
    const editor = await vscode.window.showTextDocument(doc, { selection: range, preview: true });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }
  return false;
}
