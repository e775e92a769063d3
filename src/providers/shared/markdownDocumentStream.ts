import * as vscode from 'vscode';

/** Text streamed into an untitled Markdown document beside the code. */
export interface MarkdownDocumentStream {
  /** Queues text; it reaches the document with the next batch. */
  append(text: string): void;
  /** Writes what is queued plus `tail`, stops batching, and resolves when the document holds it all. */
  close(tail: string): Promise<void>;
}

/**
 * Opens an untitled Markdown document with `content` beside the active editor (focus stays on the code) and
 * returns a stream into it. Edits are batched every `batchMs` (one edit per token would flood the undo stack and
 * the renderer) and applied as workspace edits, which work whether or not the document is visible: the user may
 * switch tabs while the answer streams. A failed edit is reported through `onError` and the stream goes on.
 */
export async function openMarkdownDocumentStream(content: string, onError: (message: string) => void, batchMs = 80): Promise<MarkdownDocumentStream> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
  let pending = '';
  let chain: Promise<unknown> = Promise.resolve();
  const flush = (): Promise<unknown> => {
    if (pending === '') {
      return chain;
    }
    const chunk = pending;
    pending = '';
    chain = chain
      .then(() => {
        const edit = new vscode.WorkspaceEdit();
        edit.insert(doc.uri, doc.lineAt(doc.lineCount - 1).range.end, chunk);
        return vscode.workspace.applyEdit(edit);
      })
      .catch((error: unknown) => onError(error instanceof Error ? error.message : String(error)));
    return chain;
  };
  const timer = setInterval(() => void flush(), batchMs);
  return {
    append: (text) => {
      pending += text;
    },
    close: async (tail) => {
      clearInterval(timer);
      pending += tail;
      await flush();
    },
  };
}
