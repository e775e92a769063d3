import * as vscode from 'vscode';

/** What is shown above a streamed explanation. */
export interface ExplainHeader {
  /** e.g. "Explain: src/a.ts (lines 3-9)". */
  readonly title: string;
  /** e.g. "code tier → qwen2.5-coder:7b". */
  readonly badge: string;
  readonly reasons: readonly string[];
  /** Visible notes: what code was picked without a selection, what the context engine cut. */
  readonly notes: readonly string[];
  /** The user's question ("Ask Tiered About Selection…"), if any. */
  readonly question?: string;
  /** The routed model, for sinks that show a tier badge. */
  readonly routing?: { readonly tier: string; readonly model: string; readonly endpointId: string };
}

/** One streamed answer. */
export interface ExplainStream {
  /** Aborts when the user stops the answer where it is shown (e.g. the chat's Stop button). */
  readonly signal?: AbortSignal;
  append(text: string): void;
  /** The answer ended (with an optional footer such as figures, or "stopped"). */
  finish(footer?: string): Promise<void>;
  fail(message: string): Promise<void>;
}

/**
 * Where Explain streams its answer. The chat view can implement this port (a new turn in the conversation);
 * until it is wired in, {@link DocumentExplainSink} streams into an untitled Markdown document.
 */
export interface ExplainSink {
  open(header: ExplainHeader): Promise<ExplainStream>;
}

/** Header Markdown shared by sinks that render text. */
export function headerMarkdown(header: ExplainHeader): string {
  const lines = [`# ${header.title}`, '', `> **${header.badge}** · ${header.reasons.join(' · ')}`];
  for (const note of header.notes) {
    lines.push('>', `> ${note}`);
  }
  if (header.question !== undefined) {
    lines.push('', `**Question:** ${header.question}`);
  }
  lines.push('', '');
  return lines.join('\n');
}

/** Streams into an untitled Markdown document opened beside the code (edits batched every 80 ms). */
export class DocumentExplainSink implements ExplainSink {
  async open(header: ExplainHeader): Promise<ExplainStream> {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: headerMarkdown(header) });
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
    let pending = '';
    let chain: Promise<unknown> = Promise.resolve();
    const flush = (): Promise<unknown> => {
      if (pending === '') {
        return chain;
      }
      const chunk = pending;
      pending = '';
      chain = chain.then(() => editor.edit((b) => b.insert(doc.lineAt(doc.lineCount - 1).range.end, chunk), { undoStopBefore: false, undoStopAfter: false }));
      return chain;
    };
    const timer = setInterval(() => void flush(), 80);
    const end = async (tail: string): Promise<void> => {
      clearInterval(timer);
      pending += tail;
      await flush();
    };
    return {
      append: (text) => {
        pending += text;
      },
      finish: (footer) => end(footer !== undefined ? `\n\n---\n_${footer}_\n` : '\n'),
      fail: (message) => end(`\n\n**Error:** ${message}\n`),
    };
  }
}
