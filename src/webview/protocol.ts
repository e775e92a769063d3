/**
 * The ONE message protocol between the chat view's host (extension) and its webview, shared by both sides.
 * Discriminated unions keyed by `type`. The host parses every inbound message with {@link parseWebviewMessage}
 * (the webview is a separate, less trusted context); the webview imports only types from this file.
 */
import { z } from 'zod';

// ---- shared shapes -----------------------------------------------------------------------------------------

export const tierNameSchema = z.enum(['small', 'code', 'moe']);
export type TierName = z.infer<typeof tierNameSchema>;

/** Which model answers: Auto (the router decides), a fixed tier, or a fixed model, for this conversation. */
export const modelChoiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('auto') }),
  z.object({ kind: z.literal('tier'), tier: tierNameSchema }),
  z.object({ kind: z.literal('model'), model: z.string().min(1).max(400), endpointId: z.string().max(400).optional() }),
]);
export type ModelChoice = z.infer<typeof modelChoiceSchema>;

/** The answer's tier badge: which tier and model, and the router's reasons (shown on hover). */
export interface TierBadge {
  readonly tier: string | undefined;
  readonly model: string;
  readonly reasons: readonly string[];
}

/** The answer's measured figures. */
export interface AnswerFigures {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  /** The whole prompt, cached part included. */
  readonly promptTokens: number;
  readonly answerTokens: number;
  /** Of the prompt, the tokens the server served from its cache, when known. */
  readonly cachedPromptTokens?: number;
  /** The prompt size is Tiered's own count (the server reported only what it had to evaluate). */
  readonly promptEstimated?: boolean;
}

export type MessageStatusView = 'complete' | 'streaming' | 'cutOff' | 'error';

/** A piece of code an answer was given, shown as a `path:start-end` chip that opens the range (1-based lines). */
export interface SourceView {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** Where it came from: the index, the user's selection or file, or a definition the feature looked up. */
  readonly kind: 'codebase' | 'selection' | 'file' | 'definition';
}

/** One message as the webview shows it (the branch being shown only). */
export interface MessageView {
  readonly id: string;
  readonly parentId: string | null;
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
  readonly status: MessageStatusView;
  readonly badge: TierBadge | undefined;
  readonly figures: AnswerFigures | undefined;
  /** What context was included, trimmed or dropped (from the context engine). */
  readonly contextReport: string | undefined;
  readonly error: string | undefined;
  /** Position among its branches (edit-and-resend, regenerate): 1-based index of count. */
  readonly branch: { readonly index: number; readonly count: number; readonly prevId: string | undefined; readonly nextId: string | undefined } | undefined;
  /** The code the answer was given (retrieved chunks, attached files, definitions), shown as chips under it. */
  readonly sources?: readonly SourceView[];
}

export interface ConversationListItem {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: number;
  readonly messageCount: number;
}

/** A piece of context offered with the next message; the user can remove it. */
export interface ContextChip {
  readonly id: string;
  readonly kind: 'selection' | 'file';
  readonly label: string;
  /** e.g. the line range or the path, shown on hover. */
  readonly detail: string;
}

/** What the model picker offers. */
export interface PickerOption {
  readonly choice: ModelChoice;
  readonly label: string;
}

/** A next step offered with an error. */
export const errorActionIdSchema = z.enum(['retry', 'startServer', 'pullModel', 'openSettings', 'checkConnection', 'showLog', 'retryBiggerTier']);
export type ErrorActionId = z.infer<typeof errorActionIdSchema>;

export interface ErrorActionView {
  readonly id: ErrorActionId;
  readonly label: string;
}

/**
 * A saved prompt as the chat's `/` menu lists it (the prompt library sends them; favorites and the most used
 * first). A malformed prompt file is listed disabled, with its first error, and cannot run.
 */
export interface PromptMenuItem {
  /** The library's stable id (`builtin:<key>` or `<source>:<file path>`), sent back in `runPrompt`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly source: 'workspace' | 'user' | 'builtin';
  /** The prompt's tier hint; `auto` lets the router decide. */
  readonly tier: 'small' | 'code' | 'moe' | 'auto';
  readonly favorite: boolean;
  readonly usageCount: number;
  /** The named inputs asked for when it runs (`${input:name}`). */
  readonly inputs: readonly string[];
  /** Set when the file is malformed: where and what (e.g. `line 3: tier must be one of …`). */
  readonly error: string | undefined;
}

// ---- host → webview ---------------------------------------------------------------------------------------

/** Everything the view shows, sent after `ready` and whenever it changes beyond a stream. */
export interface ChatStateSnapshot {
  readonly conversations: readonly ConversationListItem[];
  readonly activeId: string | undefined;
  readonly title: string;
  /** The latest messages of the branch shown (a window: see {@link ChatStateSnapshot.earlierCount}). */
  readonly messages: readonly MessageView[];
  /** Older messages of the branch not sent; `showEarlier` asks for more. Keeps a 10,000-message history fast. */
  readonly earlierCount: number;
  readonly choice: ModelChoice;
  readonly picker: readonly PickerOption[];
  readonly chips: readonly ContextChip[];
  /** The message being streamed, when one is. */
  readonly streamingId: string | undefined;
  /** The conversation in the trash that "Undo" would bring back. */
  readonly undoDeleteId: string | undefined;
  /** Set while no model server answers: what is wrong and what to do, shown before the user types. */
  readonly server: { readonly message: string; readonly actions: readonly ErrorActionView[] } | undefined;
  /**
   * The composer's "codebase" toggle: on, a question that names identifiers or asks where/how/why retrieves from
   * the workspace index by itself; off, only `@codebase` does. Absent: the view has no index to offer.
   */
  readonly codebase?: boolean;
}

export type HostToWebview =
  | { readonly type: 'state'; readonly state: ChatStateSnapshot }
  | { readonly type: 'streamStart'; readonly messageId: string; readonly parentId: string | null; readonly badge: TierBadge }
  | { readonly type: 'streamChunk'; readonly messageId: string; readonly text: string }
  | {
      readonly type: 'streamEnd';
      readonly messageId: string;
      readonly status: MessageStatusView;
      readonly figures: AnswerFigures | undefined;
      readonly contextReport: string | undefined;
      /** The answer's sources (also in the next state), so its chips show as soon as it ends. */
      readonly sources?: readonly SourceView[];
    }
  | { readonly type: 'error'; readonly messageId: string | undefined; readonly message: string; readonly actions: readonly ErrorActionView[] }
  | { readonly type: 'notice'; readonly level: 'info' | 'warning'; readonly message: string }
  | { readonly type: 'searchResults'; readonly requestId: string; readonly hits: readonly SearchHitView[] }
  | { readonly type: 'setDraft'; readonly text: string }
  /** The saved prompts for the `/` menu: after `ready` and in answer to `listPrompts`. */
  | { readonly type: 'prompts'; readonly prompts: readonly PromptMenuItem[] };

export interface SearchHitView {
  readonly conversationId: string;
  readonly title: string;
  readonly snippet: string;
}

// ---- webview → host: schemas first, types inferred ----------------------------------------------------------

const id = z.string().min(1).max(128);
const text = z.string().max(1_000_000);

export const codeActionSchema = z.enum(['copy', 'insert', 'replace', 'diff', 'newFile']);
export type CodeAction = z.infer<typeof codeActionSchema>;

export const webviewToHostSchema = z.discriminatedUnion('type', [
  /** The webview has loaded and listens: the host sends the state and then anything it queued. */
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('send'), text: text.refine((t) => t.trim().length > 0, 'empty message') }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('regenerate'), messageId: id }),
  z.object({ type: z.literal('retryBiggerTier'), messageId: id }),
  z.object({ type: z.literal('adjust'), messageId: id, style: z.enum(['shorter', 'moreDetail']) }),
  z.object({ type: z.literal('editAndResend'), messageId: id, text: text.refine((t) => t.trim().length > 0, 'empty message') }),
  z.object({ type: z.literal('switchBranch'), messageId: id }),
  z.object({ type: z.literal('codeAction'), action: codeActionSchema, code: text, language: z.string().max(64).optional() }),
  z.object({ type: z.literal('showEarlier') }),
  z.object({ type: z.literal('newConversation') }),
  z.object({ type: z.literal('switchConversation'), conversationId: id }),
  z.object({ type: z.literal('renameConversation'), conversationId: id, title: z.string().min(1).max(500) }),
  z.object({ type: z.literal('deleteConversation'), conversationId: id }),
  z.object({ type: z.literal('undoDelete'), conversationId: id }),
  z.object({ type: z.literal('search'), requestId: id, query: z.string().max(1000) }),
  z.object({ type: z.literal('exportConversation'), conversationId: id, format: z.enum(['markdown', 'json']) }),
  z.object({ type: z.literal('importConversation') }),
  z.object({ type: z.literal('setModelChoice'), choice: modelChoiceSchema }),
  z.object({ type: z.literal('removeChip'), chipId: id }),
  z.object({ type: z.literal('pickFile') }),
  z.object({ type: z.literal('errorAction'), action: errorActionIdSchema, messageId: id.optional() }),
  z.object({ type: z.literal('savePrompt'), messageId: id }),
  /** The user rates an answer and keeps it as a test case of the evaluation suite (good: to keep; bad: to avoid). */
  z.object({ type: z.literal('saveAsTestCase'), messageId: id, rating: z.enum(['liked', 'disliked']) }),
  /** A link in an answer was clicked: the host asks the user before opening it (model output is untrusted). */
  z.object({ type: z.literal('openLink'), url: z.string().min(1).max(8192) }),
  /**
   * A source chip under an answer was clicked. The host opens it only if it is one of that answer's recorded sources
   * and lies inside the workspace (the webview is less trusted: it may name any path).
   */
  z.object({
    type: z.literal('openSource'),
    messageId: id,
    path: z.string().min(1).max(4096),
    startLine: z.number().int().positive().max(10_000_000),
    endLine: z.number().int().positive().max(10_000_000),
  }),
  /** The composer's "codebase" toggle changed (remembered by the host). */
  z.object({ type: z.literal('setCodebase'), enabled: z.boolean() }),
  /** The `/` menu opened: the host answers with `prompts` (the library reloads live, so this is always current). */
  z.object({ type: z.literal('listPrompts') }),
  /**
   * Runs a saved prompt from the `/` menu, exactly like "Run Saved Prompt…" (editor variables filled, named inputs
   * asked, cancel sends nothing). `extra` is the text typed after the prompt's name (`/explain focus on errors`):
   * added after the prompt's instructions, before the attached code, and never expanded as variables.
   */
  z.object({
    type: z.literal('runPrompt'),
    promptId: z.string().min(1).max(4096),
    name: z.string().min(1).max(200),
    extra: z.string().max(20_000).optional(),
  }),
]);
export type WebviewToHost = z.infer<typeof webviewToHostSchema>;

/** The outcome of checking one inbound message. */
export type ParsedWebviewMessage = { readonly ok: true; readonly message: WebviewToHost } | { readonly ok: false; readonly reason: string };

/** Validates a message from the webview. Invalid ones are to be logged and dropped by the host. */
export function parseWebviewMessage(data: unknown): ParsedWebviewMessage {
  const parsed = webviewToHostSchema.safeParse(data);
  if (parsed.success) {
    return { ok: true, message: parsed.data };
  }
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, reason: `${issue?.message ?? 'invalid message'}${where}` };
}

/** For exhaustive switches over the unions. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
