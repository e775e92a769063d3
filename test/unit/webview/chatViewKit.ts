/** Builds the chat webview in jsdom for the webview unit tests: sample messages and states, and a mounted view. */
import { JSDOM } from 'jsdom';
import type { Marked as MarkedClass } from 'marked' with { 'resolution-mode': 'import' };
import { ChatView } from '../../../src/webview/app/chatView';
import { createMarkdownRenderer, type PurifyWindow } from '../../../src/webview/app/markdown';
import type { ChatStateSnapshot, MessageView, WebviewToHost } from '../../../src/webview/protocol';

/** A complete message with nothing else set. */
export function message(id: string, role: MessageView['role'], content: string, extra: Partial<MessageView> = {}): MessageView {
  return { id, parentId: null, role, content, status: 'complete', badge: undefined, figures: undefined, contextReport: undefined, error: undefined, branch: undefined, ...extra };
}

/** A state showing conversation "First" with `messages`, the Auto picker, no chips. */
export function snapshot(messages: MessageView[], extra: Partial<ChatStateSnapshot> = {}): ChatStateSnapshot {
  return {
    conversations: [{ id: 'c1', title: 'First', updatedAt: 1, messageCount: messages.length }],
    activeId: 'c1',
    title: 'First',
    messages,
    earlierCount: 0,
    choice: { kind: 'auto' },
    picker: [{ choice: { kind: 'auto' }, label: 'Auto' }],
    chips: [],
    streamingId: undefined,
    undoDeleteId: undefined,
    server: undefined,
    ...extra,
  };
}

let marked: typeof MarkedClass | undefined;

/** Loads `marked` (ESM only); call from `suiteSetup` before {@link mountChatView}. */
export async function loadMarked(): Promise<void> {
  marked ??= (await import('marked')).Marked;
}

export interface MountOptions {
  readonly initialDraft?: string;
  /** Frames run at once (default) or are queued for the test to run (`runFrames`). */
  readonly frames?: 'immediate' | 'queued';
  /** Lets inline scripts run, so a test can prove that hostile output runs none. */
  readonly runScripts?: boolean;
}

/** A ChatView mounted in a fresh jsdom document, with what it posted, saved and scheduled. */
export function mountChatView(options: MountOptions = {}) {
  if (marked === undefined) {
    throw new Error('call loadMarked() in suiteSetup first');
  }
  const dom = new JSDOM('<!doctype html><body><div id="root"></div></body>', {
    url: 'https://webview.test/',
    ...(options.runScripts ? { runScripts: 'dangerously' as const } : {}),
  });
  const posted: WebviewToHost[] = [];
  const saved: Array<{ draft: string }> = [];
  const frames: Array<() => void> = [];
  const root = dom.window.document.getElementById('root') as HTMLElement;
  const view = new ChatView({
    document: dom.window.document,
    root,
    post: (m) => posted.push(m),
    render: createMarkdownRenderer(dom.window as unknown as PurifyWindow, marked),
    scheduleFrame: options.frames === 'queued' ? (cb) => frames.push(cb) : (cb) => cb(),
    saveState: (s) => saved.push(s),
    initialState: { draft: options.initialDraft ?? '', editingId: undefined },
  });
  const input = root.querySelector('textarea') as HTMLTextAreaElement;
  const runFrames = (): number => {
    const pending = frames.splice(0);
    for (const f of pending) {
      f();
    }
    return pending.length;
  };
  return { dom, view, root, posted, saved, input, runFrames };
}
