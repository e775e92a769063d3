import * as vscode from 'vscode';

/** Schemes of Tiered's own reports: never offered to a model as the user's code. */
export const reportSchemes = {
  whyNoCompletion: 'tiered-why',
  routingLog: 'tiered-routing',
} as const;

/** True for documents that are not the user's code: output channels and Tiered's own reports. */
export function isToolDocument(uri: vscode.Uri): boolean {
  return uri.scheme === 'output' || Object.values<string>(reportSchemes).includes(uri.scheme);
}

/**
 * Read-only documents for reports the user reads and closes ("Why No Completion?", the routing log): a virtual
 * document under its own scheme is never "dirty", so closing it never asks to save an untitled file, and showing
 * the report again replaces its text instead of piling up Untitled-1, Untitled-2…
 */
export class ReportDocuments implements vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration: vscode.Disposable;

  constructor(private readonly scheme: string) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(scheme, {
      onDidChange: this.changed.event,
      provideTextDocumentContent: (uri) => this.texts.get(uri.path) ?? '',
    });
  }

  /** Shows `text` as the document named `fileName` (its extension picks the language), beside or in place. */
  async show(fileName: string, text: string, options: vscode.TextDocumentShowOptions): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: this.scheme, path: `/${fileName}` });
    this.texts.set(uri.path, text);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, options);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
