/**
 * The chat history's data model and its zod schemas (the journal records and the export format).
 * Pure: no `vscode` import. Each schema sits next to its inferred type.
 */
import { z } from 'zod';

export const chatRoleSchema = z.enum(['system', 'user', 'assistant']);
export type ChatHistoryRole = z.infer<typeof chatRoleSchema>;

/** Where an answer is in its life: `cutOff` = the stream stopped early (user stop or failure), partial text kept. */
export const messageStatusSchema = z.enum(['complete', 'streaming', 'cutOff', 'error']);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const answerMetricsSchema = z.object({
  ttftMs: z.number().nonnegative(),
  tokensPerSecond: z.number().nonnegative(),
  /** The whole prompt: tokens served from the server's cache included. */
  promptTokens: z.number().int().nonnegative(),
  answerTokens: z.number().int().nonnegative(),
  /** Of {@link promptTokens}, those the server took from its cache (when known or evident). */
  cachedPromptTokens: z.number().int().nonnegative().optional(),
  /** The prompt size is Tiered's own count (the server reported only the uncached part). */
  promptEstimated: z.boolean().optional(),
});
export type AnswerMetrics = z.infer<typeof answerMetricsSchema>;

/**
 * A piece of code an answer was given (a chunk the index retrieved, a file or selection the user attached, a
 * definition): shown under the answer as a `path:start-end` chip that opens the range. `path` is relative to the
 * workspace folder; lines are 1-based and inclusive.
 */
export const answerSourceSchema = z.object({
  path: z.string().min(1).max(4096),
  startLine: z.number().int().positive(),
  endLine: z.number().int().positive(),
  kind: z.enum(['codebase', 'selection', 'file', 'definition']),
});
export type AnswerSource = z.infer<typeof answerSourceSchema>;

/** What produced an answer, shown as its tier badge and metrics line. */
export const answerMetaSchema = z.object({
  tier: z.string().max(40).optional(),
  model: z.string().max(400).optional(),
  endpointId: z.string().max(400).optional(),
  reasons: z.array(z.string().max(2000)).max(50).optional(),
  metrics: answerMetricsSchema.optional(),
  contextReport: z.string().max(20_000).optional(),
  error: z.string().max(20_000).optional(),
  /** The code the answer was given, in prompt order (persisted so the chips survive a reload). */
  sources: z.array(answerSourceSchema).max(100).optional(),
});
export type AnswerMeta = z.infer<typeof answerMetaSchema>;

const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1-64 letters, digits, _ or -');

/**
 * One message. Messages form a tree through `parentId`: edit-and-resend and regenerate add a sibling,
 * so earlier branches are kept.
 */
export const chatHistoryMessageSchema = z.object({
  id: idSchema,
  parentId: idSchema.nullable(),
  role: chatRoleSchema,
  content: z.string().max(10_000_000),
  createdAt: z.number().int().nonnegative(),
  status: messageStatusSchema,
  meta: answerMetaSchema.optional(),
});
export type ChatHistoryMessage = z.infer<typeof chatHistoryMessageSchema>;

/** The model choice fixed for a conversation (`undefined` tier and model = Auto). */
export const conversationPinSchema = z.object({
  tier: z.string().max(40).optional(),
  model: z.string().max(400).optional(),
});
export type ConversationPin = z.infer<typeof conversationPinSchema>;

/** The title of a conversation that has not been named after its first message yet. */
export const untitledTitle = 'New conversation';

/** A conversation as the store rebuilds it from its journal. */
export interface Conversation {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set when moved to the trash (soft delete); `restore` clears it. */
  readonly deletedAt: number | undefined;
  /** The leaf of the branch being shown; the thread is this message and its ancestors. */
  readonly headId: string | null;
  readonly pin: ConversationPin;
  /** Every message of every branch, in the order they were first written. */
  readonly messages: readonly ChatHistoryMessage[];
}

/** A conversation's summary for the list. */
export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly messageCount: number;
  readonly deletedAt: number | undefined;
}

// ---- journal records ------------------------------------------------------------------------------

/** One line of a conversation's journal. `rid` is unique per record, so a record written twice counts once. */
export const journalRecordSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), rid: z.string(), at: z.number(), id: idSchema, title: z.string().max(500) }),
  z.object({ op: z.literal('message'), rid: z.string(), at: z.number(), message: chatHistoryMessageSchema }),
  z.object({
    op: z.literal('update'),
    rid: z.string(),
    at: z.number(),
    messageId: idSchema,
    content: z.string().max(10_000_000).optional(),
    status: messageStatusSchema.optional(),
    meta: answerMetaSchema.optional(),
  }),
  z.object({ op: z.literal('rename'), rid: z.string(), at: z.number(), title: z.string().max(500) }),
  z.object({ op: z.literal('head'), rid: z.string(), at: z.number(), messageId: idSchema.nullable() }),
  z.object({ op: z.literal('pin'), rid: z.string(), at: z.number(), pin: conversationPinSchema }),
  z.object({ op: z.literal('trash'), rid: z.string(), at: z.number() }),
  z.object({ op: z.literal('restore'), rid: z.string(), at: z.number() }),
  /** A whole conversation in one record: what compaction and import write. */
  z.object({
    op: z.literal('snapshot'),
    rid: z.string(),
    at: z.number(),
    conversation: z.object({
      id: idSchema,
      title: z.string().max(500),
      createdAt: z.number(),
      updatedAt: z.number(),
      deletedAt: z.number().optional(),
      headId: idSchema.nullable(),
      pin: conversationPinSchema,
      messages: z.array(chatHistoryMessageSchema),
    }),
  }),
]);
export type JournalRecord = z.infer<typeof journalRecordSchema>;

// ---- export / import ---------------------------------------------------------------------------------

/** The JSON export format; import accepts exactly this (validated, with the reason when rejected). */
export const exportedConversationSchema = z
  .object({
    format: z.literal('tiered-chat'),
    version: z.literal(1),
    conversation: z.object({
      id: idSchema,
      title: z.string().max(500),
      createdAt: z.number().int().nonnegative(),
      updatedAt: z.number().int().nonnegative(),
      headId: idSchema.nullable(),
      pin: conversationPinSchema.default({}),
      messages: z.array(chatHistoryMessageSchema).max(100_000),
    }),
  })
  .superRefine((value, ctx) => {
    // The message tree must hold together: unique ids, parents that exist and come first, a head that exists.
    const seen = new Set<string>();
    for (const [i, m] of value.conversation.messages.entries()) {
      if (seen.has(m.id)) {
        ctx.addIssue({ code: 'custom', message: `duplicate message id "${m.id}"`, path: ['conversation', 'messages', i, 'id'] });
      }
      if (m.parentId !== null && !seen.has(m.parentId)) {
        ctx.addIssue({ code: 'custom', message: `parent "${m.parentId}" is not an earlier message`, path: ['conversation', 'messages', i, 'parentId'] });
      }
      seen.add(m.id);
    }
    const head = value.conversation.headId;
    if (head !== null && !seen.has(head)) {
      ctx.addIssue({ code: 'custom', message: `head "${head}" is not a message of the conversation`, path: ['conversation', 'headId'] });
    }
  });
export type ExportedConversation = z.infer<typeof exportedConversationSchema>;
