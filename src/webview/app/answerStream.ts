// The answer being streamed into the chat view: chunks are gathered and applied once per frame (one Markdown render
// per message per frame, however many chunks arrived), and the answer's start and end.
import type { AnswerFigures, MessageView, SourceView, TierBadge } from '../protocol';
import type { MessageList } from './messageList';

export interface AnswerStreamDeps {
  readonly list: MessageList;
  readonly scheduleFrame: (callback: () => void) => void;
  /** The answer being written changed (undefined: none is). */
  readonly setStreaming: (messageId: string | undefined) => void;
  /** Says it to screen readers. */
  readonly announce: (text: string) => void;
}

/** How an answer ended, as `streamEnd` says. */
export interface StreamEnd {
  readonly messageId: string;
  readonly status: MessageView['status'];
  readonly figures: AnswerFigures | undefined;
  readonly contextReport: string | undefined;
  readonly sources?: readonly SourceView[] | undefined;
}

export class AnswerStream {
  private readonly pending = new Map<string, string>();
  private frameScheduled = false;
  /** Frames flushed while streaming: observable by tests and benchmarks. */
  framesFlushed = 0;

  constructor(private readonly deps: AnswerStreamDeps) {}

  /** Another conversation is shown: chunks of the one before are dropped. */
  reset(): void {
    this.pending.clear();
  }

  start(messageId: string, parentId: string | null, badge: TierBadge): void {
    const list = this.deps.list;
    list.clearGeneralError(); // a new answer replaces an error that had none
    const existing = list.messages.findIndex((m) => m.id === messageId);
    const before = list.messages[existing];
    const message: MessageView = {
      id: messageId,
      parentId,
      role: 'assistant',
      content: before?.content ?? '',
      status: 'streaming',
      badge,
      figures: undefined,
      contextReport: undefined,
      error: undefined,
      branch: undefined,
      // Known before the first token (the state sent just before carries them).
      ...(before?.sources !== undefined ? { sources: before.sources } : {}),
    };
    if (existing >= 0) {
      list.messages[existing] = message;
    } else {
      list.messages.push(message);
    }
    this.deps.setStreaming(messageId);
    list.render();
    list.markStreaming(messageId);
    list.scrollToEnd(true);
  }

  chunk(messageId: string, text: string): void {
    this.pending.set(messageId, (this.pending.get(messageId) ?? '') + text);
    if (this.frameScheduled) {
      return;
    }
    this.frameScheduled = true;
    this.deps.scheduleFrame(() => {
      this.frameScheduled = false;
      this.flush();
    });
  }

  end(end: StreamEnd): void {
    this.flush();
    const list = this.deps.list;
    const index = list.messages.findIndex((m) => m.id === end.messageId);
    const current = list.messages[index];
    if (current) {
      const sources = end.sources ?? current.sources;
      const updated: MessageView = { ...current, status: end.status, figures: end.figures, contextReport: end.contextReport, ...(sources !== undefined ? { sources } : {}) };
      list.messages[index] = updated;
      list.renderMessage(updated);
    }
    this.deps.setStreaming(undefined);
    list.markStreaming(undefined);
    list.render();
    this.deps.announce(end.status === 'complete' ? 'Answer complete.' : end.status === 'cutOff' ? 'Answer stopped; partial answer kept.' : 'Answer failed.');
  }

  /** Applies every chunk that arrived since the last frame: one Markdown render per message per frame. */
  private flush(): void {
    if (this.pending.size === 0) {
      return;
    }
    this.framesFlushed++;
    const list = this.deps.list;
    const nearEnd = list.isNearEnd();
    for (const [id, text] of this.pending) {
      const index = list.messages.findIndex((m) => m.id === id);
      const current = list.messages[index];
      if (!current) {
        continue;
      }
      const updated = { ...current, content: current.content + text };
      list.messages[index] = updated;
      list.updateContent(updated);
    }
    this.pending.clear();
    list.scrollToEnd(nearEnd);
  }
}
