import type { Logger } from '../../util/logger';
import { openMarkdownDocumentStream } from '../shared/markdownDocumentStream';

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
  /** The code the model was given, as workspace-relative path and 1-based lines (the chat shows them as chips). */
  readonly sources?: readonly { readonly path: string; readonly startLine: number; readonly endLine: number; readonly kind: 'selection' | 'definition' }[];
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

/** Streams into an untitled Markdown document opened beside the code. */
export class DocumentExplainSink implements ExplainSink {
  constructor(private readonly logger: Logger) {}

  async open(header: ExplainHeader): Promise<ExplainStream> {
    const stream = await openMarkdownDocumentStream(headerMarkdown(header), (message) => this.logger.warn(`Explain: could not write the answer: ${message}`));
    return {
      append: (text) => stream.append(text),
      finish: (footer) => stream.close(footer !== undefined ? `\n\n---\n_${footer}_\n` : '\n'),
      fail: (message) => stream.close(`\n\n**Error:** ${message}\n`),
    };
  }
}
