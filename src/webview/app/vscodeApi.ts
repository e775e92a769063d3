// The one typed wrapper around `acquireVsCodeApi`: the webview posts only protocol messages.
import type { HostToWebview, WebviewToHost } from '../protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the webview keeps across being hidden and shown (the host keeps everything else). */
export interface PersistedViewState {
  readonly draft: string;
  readonly editingId: string | undefined;
}

export interface HostConnection {
  post(message: WebviewToHost): void;
  onMessage(handler: (message: HostToWebview) => void): void;
  loadState(): PersistedViewState;
  saveState(state: PersistedViewState): void;
}

/** Connects to the real host. Call once. */
export function connectToHost(): HostConnection {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    onMessage: (handler) => {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        // Only the extension host posts to this window; still, ignore anything that is not a protocol message.
        if (isHostMessage(event.data)) {
          handler(event.data);
        }
      });
    },
    loadState: () => parseState(api.getState()),
    saveState: (state) => api.setState(state),
  };
}

const HOST_TYPES: ReadonlySet<string> = new Set<HostToWebview['type']>(['state', 'streamStart', 'streamChunk', 'streamEnd', 'error', 'notice', 'searchResults', 'setDraft', 'prompts']);

function isHostMessage(data: unknown): data is HostToWebview {
  return typeof data === 'object' && data !== null && 'type' in data && typeof data.type === 'string' && HOST_TYPES.has(data.type);
}

function parseState(raw: unknown): PersistedViewState {
  if (typeof raw !== 'object' || raw === null) {
    return { draft: '', editingId: undefined };
  }
  const draft = 'draft' in raw && typeof raw.draft === 'string' ? raw.draft : '';
  const editingId = 'editingId' in raw && typeof raw.editingId === 'string' ? raw.editingId : undefined;
  return { draft, editingId };
}
