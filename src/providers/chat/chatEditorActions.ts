import * as path from 'node:path';
import * as vscode from 'vscode';
import { isToolDocument } from '../shared/reportDocuments';
import type { SensitiveFileGuard } from '../shared/sensitiveFileGuard';
import type { ChatContextItem } from '../../chat/promptAssembly';
import { gate, pickerEntries, withheldNote } from '../../context/exclusionGates';
import type { Withheld } from '../../context/exclusionGates';
import { describeRule, plainQuote } from '../../context/sensitiveFiles';
import type { CodeAction } from '../../webview/protocol';

/** Files bigger than this are offered only in part as chat context. */
const MAX_FILE_CONTEXT_CHARS = 200_000;

/**
 * The editor side of the chat: tracks the last text editor (the webview has focus when its buttons are clicked,
 * so `activeTextEditor` is undefined then), offers the selection and file as context, and applies code actions.
 */
export class ChatEditorBridge implements vscode.Disposable {
  private lastEditor: vscode.TextEditor | undefined = userEditor(vscode.window.activeTextEditor);
  private readonly picked = new Map<string, vscode.Uri>();
  /** Picked files the user confirmed sending although they are excluded (asked in {@link pickFile}). */
  private readonly confirmed = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private withheld: readonly Withheld<ChatContextItem>[] = [];

  constructor(
    private readonly onContextChanged: (kind: 'editor' | 'selection') => void,
    private readonly sensitiveFiles: SensitiveFileGuard,
  ) {
    vscode.window.onDidChangeActiveTextEditor(
      (editor) => {
        if (userEditor(editor)) {
          this.lastEditor = editor;
          this.onContextChanged('editor');
        }
      },
      undefined,
      this.disposables,
    );
    vscode.window.onDidChangeTextEditorSelection(
      (e) => {
        if (e.textEditor === this.lastEditor) {
          this.onContextChanged('selection');
        }
      },
      undefined,
      this.disposables,
    );
  }

  /**
   * The selection (if any), the current file, and files picked with `@`: minus sensitive files (an excluded
   * editor is never attached by itself; a picked one only after the user confirmed). See {@link withheldNote}.
   */
  contextItems(): ChatContextItem[] {
    const uris = new Map<string, vscode.Uri>();
    const items = this.offeredItems(uris);
    const result = gate(items, (i) => uris.get(i.id)?.toString(), (uri) => this.sensitiveFiles.check(vscode.Uri.parse(uri))?.exclusion, (i) => this.confirmed.has(i.id));
    this.withheld = result.withheld.map((w) => ({ ...w, path: vscode.workspace.asRelativePath(vscode.Uri.parse(w.path), false) }));
    return [...result.kept];
  }

  /** A sentence about the sensitive files the last {@link contextItems} left out, or undefined. */
  withheldNote(): string | undefined {
    const note = withheldNote(this.withheld, 'Not attached');
    return note === undefined ? undefined : `${note} (Use @ to attach one: Tiered asks first.)`;
  }

  private offeredItems(uris: Map<string, vscode.Uri>): ChatContextItem[] {
    const items: ChatContextItem[] = [];
    const editor = this.liveEditor();
    if (editor) {
      const doc = editor.document;
      const label = vscode.workspace.asRelativePath(doc.uri, false);
      if (!editor.selection.isEmpty) {
        const s = editor.selection;
        items.push({ id: 'selection', kind: 'selection', label: `${label}:${s.start.line + 1}-${s.end.line + 1}`, languageId: doc.languageId, text: doc.getText(s) });
        uris.set('selection', doc.uri);
      }
      items.push({ id: 'file', kind: 'file', label, languageId: doc.languageId, text: doc.getText().slice(0, MAX_FILE_CONTEXT_CHARS) });
      uris.set('file', doc.uri);
    }
    for (const [id, uri] of this.picked) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) {
        uris.set(id, uri);
        items.push({ id, kind: 'file', label: vscode.workspace.asRelativePath(uri, false), languageId: doc.languageId, text: doc.getText().slice(0, MAX_FILE_CONTEXT_CHARS) });
      }
    }
    return items;
  }

  /** `@`: pick a workspace file to add as context. Sensitive files are marked, listed last, and attached only if the user confirms. */
  async pickFile(): Promise<boolean> {
    await this.sensitiveFiles.ready;
    const files = await vscode.workspace.findFiles('**/*', '**/{node_modules,.git,dist,out}/**', 5000);
    const byPath = new Map(files.map((uri) => [vscode.workspace.asRelativePath(uri, false), uri]));
    const entries = pickerEntries([...byPath.keys()], (p) => {
      const uri = byPath.get(p);
      return uri === undefined ? undefined : this.sensitiveFiles.check(uri)?.exclusion;
    });
    const choice = await vscode.window.showQuickPick(
      entries.flatMap((e) => {
        const uri = byPath.get(e.path);
        return uri === undefined
          ? []
          : [
              {
                label: `${e.exclusion !== undefined ? '$(lock) ' : ''}${path.basename(uri.fsPath)}`,
                description: e.path,
                ...(e.exclusion !== undefined ? { detail: `Sensitive: excluded by ${describeRule(e.exclusion, plainQuote)}. Tiered asks before attaching it.` } : {}),
                uri,
              },
            ];
      }),
      { title: 'Add a file to the chat context', matchOnDescription: true },
    );
    if (!choice) {
      return false;
    }
    const id = `pick:${choice.description}`;
    if (!(await this.sensitiveFiles.confirm(choice.uri, 'Attach it to the chat anyway', 'Attach Anyway'))) {
      return false;
    }
    if (this.sensitiveFiles.check(choice.uri) !== undefined) {
      this.confirmed.add(id);
    }
    await vscode.workspace.openTextDocument(choice.uri); // loads it, so contextItems() can read it
    this.picked.set(id, choice.uri);
    return true;
  }

  /** Forgets picked files (after a message is sent), and the consent given for them. */
  clearPicked(): void {
    this.picked.clear();
    this.confirmed.clear();
  }

  async codeAction(action: CodeAction, code: string, language: string | undefined): Promise<void> {
    switch (action) {
      case 'copy':
        await vscode.env.clipboard.writeText(code);
        return;
      case 'newFile': {
        const doc = await vscode.workspace.openTextDocument({ content: code, ...(language ? { language: languageIdOf(language) } : {}) });
        await vscode.window.showTextDocument(doc, { preview: false });
        return;
      }
      case 'insert':
      case 'replace': {
        const editor = await this.editorForEdit();
        if (!editor) {
          return;
        }
        await editor.edit((b) => {
          if (action === 'insert') {
            b.insert(editor.selection.active, code);
          } else {
            b.replace(editor.selection, code);
          }
        });
        return;
      }
      case 'diff': {
        const editor = await this.editorForEdit();
        if (!editor) {
          return;
        }
        const doc = editor.document;
        const selection = editor.selection.isEmpty ? new vscode.Range(0, 0, doc.lineCount, 0) : editor.selection;
        const proposed = doc.getText(new vscode.Range(new vscode.Position(0, 0), selection.start)) + code + doc.getText(new vscode.Range(selection.end, doc.lineAt(doc.lineCount - 1).range.end));
        const right = await vscode.workspace.openTextDocument({ content: proposed, language: doc.languageId });
        const name = path.basename(doc.uri.path);
        await vscode.commands.executeCommand('vscode.diff', doc.uri, right.uri, `${name} ↔ chat suggestion${editor.selection.isEmpty ? ' (whole file)' : ' (selection)'}`);
        return;
      }
      default:
        assertNever(action);
    }
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private liveEditor(): vscode.TextEditor | undefined {
    const editor = this.lastEditor;
    return editor && !editor.document.isClosed ? editor : undefined;
  }

  private async editorForEdit(): Promise<vscode.TextEditor | undefined> {
    const editor = this.liveEditor();
    if (!editor) {
      void vscode.window.showInformationMessage('Tiered: open a file in an editor first; the code goes at its cursor or selection.');
      return undefined;
    }
    // Bring it to the front so the edit is visible (and so it is a live, visible editor).
    return vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection, preserveFocus: false });
  }
}

/** Markdown fence names to VS Code language ids, for the common differences. */
function languageIdOf(fence: string): string {
  const map: Readonly<Record<string, string>> = { ts: 'typescript', js: 'javascript', py: 'python', sh: 'shellscript', bash: 'shellscript', rs: 'rust', yml: 'yaml', md: 'markdown', 'c++': 'cpp' };
  return map[fence] ?? fence;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled code action: ${String(value)}`);
}

/** The editor when it holds the user's code (not an output channel or one of Tiered's reports). */
function userEditor(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
  return editor !== undefined && !isToolDocument(editor.document.uri) ? editor : undefined;
}
