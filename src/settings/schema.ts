/**
 * Every `tiered.*` setting: its zod schema and its default, in one table.
 * `test/unit/settings.test.ts` checks these defaults against package.json's.
 * Pure: no `vscode` import.
 */
import { z } from 'zod';

/** The three model tiers. */
export const tierSchema = z.enum(['small', 'code', 'moe']);
export type Tier = z.infer<typeof tierSchema>;
export const tiers: readonly Tier[] = tierSchema.options;

/** The kinds of task the router sees; each can be pinned to a tier or a model. */
export const taskKindSchema = z.enum(['inlineCompletion', 'chat', 'explain', 'review', 'savedPrompt']);
export type TaskKind = z.infer<typeof taskKindSchema>;

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://')
  .transform((u) => u.replace(/\/+$/, ''));

/** An OpenAI-compatible endpoint (llama-server, LM Studio, vLLM…). Its API key, if any, lives in SecretStorage under its name. */
export const openAiEndpointSchema = z.object({
  /** A short unique name; tiers refer to the endpoint by it. */
  name: z.string().trim().min(1).regex(/^[\w.-]+$/, 'letters, digits, ".", "_" or "-" only'),
  baseUrl: httpUrl,
});
export type OpenAiEndpointSetting = z.infer<typeof openAiEndpointSchema>;

/** Keep-alive as Ollama understands it: a number of seconds, or a Go duration with a unit ("30m", "-1"). */
const keepAliveSchema = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^-1$|^0$/, 'a duration with a unit, such as "30m", "1h" or "-1" (forever)'),
]);

/**
 * One entry per setting: the key (without the `tiered.` prefix), its schema, and its default.
 * Each schema accepts `undefined` and yields the default, so a reader can parse settings one by one.
 */
export const settingDefinitions = {
  'ollama.baseUrl': { schema: httpUrl, default: 'http://127.0.0.1:11434' },
  'ollama.enabled': { schema: z.boolean(), default: true },
  openAiEndpoints: { schema: z.array(openAiEndpointSchema), default: [] as OpenAiEndpointSetting[] },
  requestTimeoutSeconds: { schema: z.number().int().min(1).max(3600), default: 120 },
  keepAlive: { schema: keepAliveSchema, default: '30m' as string | number },
  'tiers.small.model': { schema: z.string().trim(), default: '' },
  'tiers.small.endpoint': { schema: z.string().trim(), default: '' },
  'tiers.code.model': { schema: z.string().trim(), default: '' },
  'tiers.code.endpoint': { schema: z.string().trim(), default: '' },
  'tiers.moe.model': { schema: z.string().trim(), default: '' },
  'tiers.moe.endpoint': { schema: z.string().trim(), default: '' },
  'routing.pins': { schema: z.partialRecord(taskKindSchema, z.string().trim()), default: {} as Partial<Record<TaskKind, string>> },
  'routing.preferLoaded': { schema: z.boolean(), default: true },
  'context.maxContextTokens': { schema: z.number().int().min(0).max(1_048_576), default: 0 },
  'context.answerReserveTokens': { schema: z.number().int().min(16).max(65_536), default: 1024 },
  'completion.enabled': { schema: z.boolean(), default: true },
  'completion.disabledLanguages': { schema: z.array(z.string()), default: [] as string[] },
  'completion.model': { schema: z.string().trim(), default: '' },
  'completion.debounceMs': { schema: z.number().int().min(0).max(2000), default: 60 },
  'completion.maxTokens': { schema: z.number().int().min(8).max(1024), default: 128 },
  'completion.maxFileSizeKb': { schema: z.number().int().min(1).max(102_400), default: 1024 },
  'completion.multiline': { schema: z.enum(['auto', 'always', 'never']), default: 'auto' as 'auto' | 'always' | 'never' },
} as const;

export type SettingKey = keyof typeof settingDefinitions;

/** The typed settings object the reader produces. */
export type Settings = { readonly [K in SettingKey]: (typeof settingDefinitions)[K]['default'] };

/** The prefix every setting id carries in package.json. */
export const settingsSection = 'tiered';
