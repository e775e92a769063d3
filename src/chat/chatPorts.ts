/** What the chat controller is given by its adapter (the ports), and the request of a turn started by a command. */
import type { LlmBackend } from '../backend/types';
import type { PromptSizer } from '../context/promptSizer';
import type { TokenCounter } from '../context/tokenCounter';
import type { RouteInput, RouterEnvironment } from '../routing/types';
import type { Logger } from '../util/logger';
import type { HostToWebview } from '../webview/protocol';
import type { ChatEnvironment, RouteExtras } from './answerPlan';
import type { HistoryStore } from './historyStore';
import type { ChatContextItem } from './promptAssembly';

/** Adds a borderline verdict to a route input (or returns it unchanged). */
export type RouteAdviser = (input: RouteInput, env: RouterEnvironment, signal: AbortSignal) => Promise<RouteInput>;

export interface ChatControllerDeps {
  readonly store: HistoryStore;
  /** Posts to the webview (the adapter queues until `ready`). */
  readonly post: (message: HostToWebview) => void;
  readonly backends: () => Promise<readonly LlmBackend[]>;
  readonly environment: () => Promise<ChatEnvironment>;
  readonly counter: TokenCounter;
  /**
   * Counts per model by its calibrated upper bound (so num_ctx holds the real prompt), measures an uncalibrated
   * model with the server's tokenizer where it has one, and learns from each answer. Without it, `counter` as is.
   */
  readonly sizer?: PromptSizer;
  /** The context offered right now (selection, current file, picked files). */
  readonly context: () => readonly ChatContextItem[];
  /** Chunks of the workspace index for a question, best first (absent: no index, and no "codebase" toggle). */
  readonly retrieve?: (question: string, signal: AbortSignal) => Promise<readonly ChatContextItem[]>;
  /**
   * The composer's "codebase" toggle: its remembered value and where to remember a change. Absent: off (only
   * `@codebase` retrieves).
   */
  readonly codebaseToggle?: { readonly initial: boolean; readonly remember: (on: boolean) => void };
  /** Whether there is an index to search now (false: `tiered.index.enabled` off or no folder: no toggle shown). */
  readonly retrievalAvailable?: () => boolean;
  /**
   * Asks the small tier's model about a request the router is unsure of (setting
   * tiered.routing.smallModelClassifier); resolves to the input, with the model's verdict when it gave one.
   * Absent: the router's rules alone.
   */
  readonly adviseRoute?: RouteAdviser;
  readonly logger: Logger;
  /** Monotonic milliseconds, for checkpoint pacing. */
  readonly clock: () => number;
  /** Saves the active conversation id (workspace state), so a reload reopens it. */
  readonly rememberActive: (id: string | undefined) => void;
  readonly initialActiveId: string | undefined;
  /** How often a streaming answer is checkpointed to disk (ms). */
  readonly checkpointMs?: number;
  /** Wall-clock milliseconds, the history's timestamps' clock (default `Date.now`). */
  readonly now?: () => number;
}

/** A turn started from a command (see `ChatController.ask`). */
export interface ChatAskRequest extends RouteExtras {
  readonly text: string;
  readonly context?: readonly ChatContextItem[];
}
