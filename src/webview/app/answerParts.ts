// The parts of a message drawn around its text: the tier badge, the branch switcher, the figures line, the Context
// note, the source chips and the action buttons. Plain DOM on the view's document; text is set as text, never HTML.
import type { AnswerFigures, MessageView, SourceView, TierBadge, WebviewToHost } from '../protocol';
import type { Dom } from './dom';

/**
 * One button under an answer. To add one, add an entry to {@link ANSWER_ACTIONS} with the
 * protocol message it posts (and handle that message at the host).
 */
export interface AnswerAction {
  readonly label: string;
  /** The tooltip and accessible name. */
  readonly title: string;
  /** Disabled while an answer is being written (it would start another). */
  readonly busyDisables: boolean;
  readonly message: (answer: MessageView) => WebviewToHost;
}

/** The buttons under a finished answer, in order. */
export const ANSWER_ACTIONS: readonly AnswerAction[] = [
  { label: 'Regenerate', title: 'Answer again', busyDisables: true, message: (m) => ({ type: 'regenerate', messageId: m.id }) },
  { label: 'Bigger tier', title: 'Retry with a bigger tier', busyDisables: true, message: (m) => ({ type: 'retryBiggerTier', messageId: m.id }) },
  { label: 'Shorter', title: 'Ask for a shorter answer', busyDisables: true, message: (m) => ({ type: 'adjust', messageId: m.id, style: 'shorter' }) },
  { label: 'More detail', title: 'Ask for more detail', busyDisables: true, message: (m) => ({ type: 'adjust', messageId: m.id, style: 'moreDetail' }) },
  { label: 'Save prompt', title: 'Save as a prompt', busyDisables: false, message: (m) => ({ type: 'savePrompt', messageId: m.id }) },
  { label: 'Good: test it', title: 'A good answer: save it as a test case, so models can be checked against it', busyDisables: false, message: (m) => ({ type: 'saveAsTestCase', messageId: m.id, rating: 'liked' }) },
  { label: 'Bad: test it', title: 'A bad answer: save it as a test case of what to avoid', busyDisables: false, message: (m) => ({ type: 'saveAsTestCase', messageId: m.id, rating: 'disliked' }) },
];

export interface PartsContext {
  readonly dom: Dom;
  readonly post: (message: WebviewToHost) => void;
  /** An answer is being written. */
  readonly busy: boolean;
  /** Puts a sent message back in the box to be edited. */
  readonly startEdit: (messageId: string) => void;
}

/** The action bar: the answer actions under a finished answer, Edit under the user's messages. */
export function messageActions(m: MessageView, ctx: PartsContext): HTMLElement {
  const bar = ctx.dom.el('div', { className: 'message-actions' });
  if (m.role === 'assistant' && m.status !== 'streaming') {
    for (const action of ANSWER_ACTIONS) {
      bar.append(ctx.dom.button(action.label, action.title, () => ctx.post(action.message(m)), action.busyDisables && ctx.busy));
    }
  }
  if (m.role === 'user') {
    bar.append(ctx.dom.button('Edit', 'Edit and resend (Up)', () => ctx.startEdit(m.id), ctx.busy));
  }
  return bar;
}

/** `src/a.ts:3-9` (one line: `src/a.ts:3`). */
export function sourceLabel(source: SourceView): string {
  return source.startLine === source.endLine ? `${source.path}:${source.startLine}` : `${source.path}:${source.startLine}-${source.endLine}`;
}

const SOURCE_KINDS: Readonly<Record<SourceView['kind'], string>> = {
  codebase: 'found in the workspace index',
  selection: 'your selection',
  file: 'a file you attached',
  definition: 'a definition looked up',
};

/** The answer's sources as chips; a click asks the host to open the file at those lines. */
export function sourceChips(m: MessageView, ctx: Pick<PartsContext, 'dom' | 'post'>): HTMLElement | undefined {
  const sources = m.sources ?? [];
  if (sources.length === 0) {
    return undefined;
  }
  const box = ctx.dom.el('div', { className: 'sources', ariaLabel: 'Sources' });
  box.append(ctx.dom.textEl('span', 'sources-label', 'Sources'));
  for (const source of sources) {
    const label = sourceLabel(source);
    const chip = ctx.dom.button(label, `Open ${label} (${SOURCE_KINDS[source.kind]})`, () =>
      ctx.post({ type: 'openSource', messageId: m.id, path: source.path, startLine: source.startLine, endLine: source.endLine }),
    );
    chip.classList.add('source-chip', `source-${source.kind}`);
    box.append(chip);
  }
  return box;
}

export function badge(dom: Dom, value: TierBadge): HTMLElement {
  const el = dom.el('span', { className: `badge tier-${value.tier ?? 'custom'}` });
  el.textContent = value.tier ? `${value.tier} · ${value.model}` : value.model;
  el.title = value.reasons.length > 0 ? `Why this model:\n${value.reasons.map((r) => `• ${r}`).join('\n')}` : 'Chosen by you';
  return el;
}

export function branchNav(ctx: Pick<PartsContext, 'dom' | 'post'>, branch: NonNullable<MessageView['branch']>): HTMLElement {
  const { dom, post } = ctx;
  const nav = dom.el('span', { className: 'branch-nav' });
  const label = dom.textEl('span', 'branch-label', `${branch.index}/${branch.count}`);
  const prev = dom.button('‹', 'Previous version', () => branch.prevId && post({ type: 'switchBranch', messageId: branch.prevId }), branch.prevId === undefined);
  const next = dom.button('›', 'Next version', () => branch.nextId && post({ type: 'switchBranch', messageId: branch.nextId }), branch.nextId === undefined);
  nav.append(prev, label, next);
  return nav;
}

/** The folded "Context" note: what was included, trimmed or dropped. */
export function contextReport(dom: Dom, report: string): HTMLElement {
  const details = dom.el('details', { className: 'context-report' });
  const summary = dom.doc.createElement('summary');
  summary.textContent = 'Context';
  const pre = dom.doc.createElement('pre');
  pre.textContent = report;
  details.append(summary, pre);
  return details;
}

/** "TTFT 120 ms · 31.5 tok/s · 812 prompt + 240 answer tokens". */
export function formatFigures(f: AnswerFigures): string {
  // The whole prompt, with the part the server had cached: "1 prompt token" for a cached prompt would mislead.
  const cached = f.cachedPromptTokens !== undefined && f.cachedPromptTokens > 0 ? ` (${f.cachedPromptTokens} cached)` : '';
  return `TTFT ${Math.round(f.ttftMs)} ms · ${f.tokensPerSecond.toFixed(1)} tok/s · ${f.promptEstimated === true ? '~' : ''}${f.promptTokens} prompt${cached} + ${f.answerTokens} answer tokens`;
}
