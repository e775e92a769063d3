/**
 * A conversation as Markdown (the branch being shown), for sharing. Pure.
 */
import type { ChatHistoryMessage, Conversation } from './chatTypes';
import { threadOf } from './conversationState';

const ROLE_TITLE: Record<ChatHistoryMessage['role'], string> = { system: 'System', user: 'You', assistant: 'Assistant' };

/** Renders the active branch; answers carry their model and tier, and a cut-off answer says so. */
export function exportMarkdown(conversation: Conversation): string {
  const lines: string[] = [`# ${oneLine(conversation.title)}`, '', `_Exported from Tiered, ${new Date(conversation.updatedAt).toISOString()}_`, ''];
  for (const m of threadOf(conversation)) {
    const who = ROLE_TITLE[m.role];
    const badge = m.meta?.model ? ` (${[m.meta.tier, m.meta.model].filter(Boolean).join(' · ')})` : '';
    lines.push(`## ${who}${badge}`, '', m.content, '');
    if (m.status === 'cutOff') {
      lines.push('_(answer cut off)_', '');
    } else if (m.status === 'error' && m.meta?.error) {
      lines.push(`_(error: ${oneLine(m.meta.error)})_`, '');
    }
  }
  const branches = conversation.messages.length - threadOf(conversation).length;
  if (branches > 0) {
    lines.push(`_${branches} message(s) on other branches are not shown; export as JSON to keep every branch._`, '');
  }
  return lines.join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
