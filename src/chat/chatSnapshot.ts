/** Everything the chat view shows, in one state message (see `ChatStateSnapshot`). Pure: no `vscode` import. */
import type { ChatStateSnapshot, ContextChip, PickerOption } from '../webview/protocol';
import { actionsFor } from './answerOutcome';
import type { ChatEnvironment } from './answerPlan';
import type { AnswerStreamer } from './answerStreamer';
import { untitledTitle, type Conversation } from './chatTypes';
import type { HistoryStore } from './historyStore';
import { choiceOf, markInterrupted, toViews, windowOf } from './messageViews';

export interface SnapshotInput {
  readonly store: HistoryStore;
  readonly conversation: Conversation | undefined;
  readonly windowSize: number;
  readonly undoDeleteId: string | undefined;
  readonly streamer: Pick<AnswerStreamer, 'current' | 'withRunningText'>;
  /** When this session began: older answers still marked "streaming" were cut off (see `markInterrupted`). */
  readonly sessionStart: number;
  /** Undefined when the environment could not be read (the picker shown last stays). */
  readonly env: ChatEnvironment | undefined;
  readonly picker: readonly PickerOption[];
  readonly chips: readonly ContextChip[];
  /** The "codebase" toggle; undefined when there is no index to search. */
  readonly codebase: boolean | undefined;
}

export function buildSnapshot(input: SnapshotInput): ChatStateSnapshot {
  const { conversation, env } = input;
  const running = input.streamer.current;
  const views = conversation ? markInterrupted(conversation, input.streamer.withRunningText(toViews(conversation)), running?.messageId, input.sessionStart) : [];
  const windowed = windowOf(views, input.windowSize);
  return {
    conversations: input.store.list().map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt, messageCount: c.messageCount })),
    activeId: conversation?.id,
    title: conversation?.title ?? untitledTitle,
    messages: windowed.messages,
    earlierCount: windowed.earlierCount,
    choice: conversation ? choiceOf(conversation) : { kind: 'auto' },
    picker: input.picker,
    chips: input.chips,
    streamingId: running && running.conversationId === conversation?.id ? running.messageId : undefined,
    undoDeleteId: input.undoDeleteId,
    // Shown before the user types: "start the server" is better said now than after their first message fails.
    // (Nothing was asked yet, so there is nothing to retry.)
    server:
      env?.unreachable !== undefined
        ? { message: env.unreachable.message, actions: actionsFor(env.unreachable.action).filter((a) => a.id !== 'retry' && a.id !== 'retryBiggerTier') }
        : undefined,
    ...(input.codebase !== undefined ? { codebase: input.codebase } : {}),
  };
}
