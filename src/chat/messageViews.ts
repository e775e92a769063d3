/**
 * What the webview is shown of a conversation: the branch as message views, the window sent at first, the model
 * choice, and answers an earlier session left "streaming". Pure: no `vscode` import.
 */
import { chatModels } from '../routing/modelTraits';
import type { Tier } from '../settings/schema';
import type { MessageView, ModelChoice, PickerOption } from '../webview/protocol';
import type { ChatEnvironment } from './answerPlan';
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
      ...(m.meta?.sources !== undefined && m.meta.sources.length > 0 ? { sources: m.meta.sources } : {}),
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

const TIER_ORDER: readonly Tier[] = ['small', 'code', 'moe'];

/** The model picker: Auto, each tier with its model, then each installed chat model once. */
export function pickerOptions(env: ChatEnvironment): PickerOption[] {
  const options: PickerOption[] = [{ choice: { kind: 'auto' }, label: 'Auto (router decides)' }];
  for (const tier of TIER_ORDER) {
    const model = env.router.tiers[tier].model;
    options.push({ choice: { kind: 'tier', tier }, label: `Tier ${tier}${model ? ` (${model})` : ''}` });
  }
  const seen = new Set<string>();
  // As the router: no embedding models, and no completion-only base models while a chat model exists.
  for (const m of chatModels(env.router.installed)) {
    if (seen.has(m.name)) {
      continue;
    }
    seen.add(m.name);
    options.push({ choice: { kind: 'model', model: m.name, endpointId: m.endpointId }, label: m.name });
  }
  return options;
}

/** The next bigger tier than an answer's (the biggest stays the biggest). */
export function biggerTier(tier: string | undefined): { readonly tier: Tier; readonly alreadyBiggest: boolean } {
  const from = TIER_ORDER.indexOf(isTier(tier) ? tier : 'code');
  const next = TIER_ORDER[Math.min(TIER_ORDER.length - 1, from + 1)] ?? 'moe';
  return { tier: next, alreadyBiggest: from === TIER_ORDER.length - 1 };
}
