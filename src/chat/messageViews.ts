/**
 * What the webview is shown of a conversation: the branch as message views, the window sent at first, the model
 * choice, and answers an earlier session left "streaming". Pure: no `vscode` import.
 */
import type { Tier } from '../settings/schema';
import type { MessageView, ModelChoice } from '../webview/protocol';
import type { Conversation } from './chatTypes';
import { threadOf } from './conversationState';

/** The latest `size` messages, and how many came before them. */
export function windowOf(views: readonly MessageView[], size: number): { messages: MessageView[]; earlierCount: number } {
  const start = Math.max(0, views.length - size);
  return { messages: views.slice(start), earlierCount: start };
}

/** The branch shown, as views with their branch positions. */
export function toViews(conversation: Conversation): MessageView[] {
  return threadOf(conversation).map((m) => {
    const siblings = conversation.messages.filter((s) => s.parentId === m.parentId && s.role === m.role);
    const index = siblings.findIndex((s) => s.id === m.id);
    return {
      id: m.id,
      parentId: m.parentId,
      role: m.role,
      content: m.content,
      status: m.status,
      badge: m.meta?.model ? { tier: m.meta.tier, model: m.meta.model, reasons: m.meta.reasons ?? [] } : undefined,
      figures: m.meta?.metrics,
      contextReport: m.meta?.contextReport,
      error: m.meta?.error,
      branch: siblings.length > 1 ? { index: index + 1, count: siblings.length, prevId: siblings[index - 1]?.id, nextId: siblings[index + 1]?.id } : undefined,
    };
  });
}

export function choiceOf(conversation: Conversation): ModelChoice {
  if (conversation.pin.model) {
    return { kind: 'model', model: conversation.pin.model };
  }
  return isTier(conversation.pin.tier) ? { kind: 'tier', tier: conversation.pin.tier } : { kind: 'auto' };
}

export function pinOverride(conversation: Conversation): { tier?: Tier; model?: string } | undefined {
  if (conversation.pin.model) {
    return { model: conversation.pin.model };
  }
  return isTier(conversation.pin.tier) ? { tier: conversation.pin.tier } : undefined;
}

export function isTier(value: string | undefined): value is Tier {
  return value === 'small' || value === 'code' || value === 'moe';
}

/**
 * An answer left "streaming" by an earlier session (VS Code crashed or reloaded mid-answer, and the record that
 * would have closed it was lost) is shown as interrupted, with what arrived kept and Regenerate offered; never
 * as a message streaming forever. Not rewritten on disk: another window may still be writing a newer one.
 * `runningId` is the answer this session is streaming; `sessionStart` when this session began (wall clock).
 */
export function markInterrupted(conversation: Conversation, views: MessageView[], runningId: string | undefined, sessionStart: number): MessageView[] {
  const stale = new Set(conversation.messages.filter((m) => m.status === 'streaming' && m.id !== runningId && m.createdAt <= sessionStart).map((m) => m.id));
  if (stale.size === 0) {
    return views;
  }
  return views.map((v) => (stale.has(v.id) ? { ...v, status: 'error', error: interruptedMessage(v.content) } : v));
}

/** What an answer cut off by an earlier session says instead of streaming forever. */
function interruptedMessage(content: string): string {
  return `Interrupted: VS Code closed or crashed while this answer was being written, and its end was lost${content.trim() !== '' ? ' (the part that arrived is kept above)' : ''}. Regenerate to answer again.`;
}
