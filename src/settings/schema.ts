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

/** Pairs a schema with its default, typed by the schema's output. */
function setting<S extends z.ZodType>(schema: S, defaultValue: z.output<S>): { readonly schema: S; readonly default: z.output<S> } {
  return { schema, default: defaultValue };
}

/**
 * One entry per setting: the key (without the `tiered.` prefix), its schema, and its default.
 * Each schema accepts `undefined` and yields the default, so a reader can parse settings one by one.
 */
export const settingDefinitions = {
  'ollama.baseUrl': setting(httpUrl, 'http://127.0.0.1:11434'),
  'ollama.enabled': setting(z.boolean(), true),
  openAiEndpoints: setting(z.array(openAiEndpointSchema), []),
  requestTimeoutSeconds: setting(z.number().int().min(1).max(3600), 120),
  keepAlive: setting(keepAliveSchema, '30m'),
  // Where the built-in engine downloads models from (Hugging Face's layout: a mirror or a company server works).
  'engine.downloadBaseUrl': setting(httpUrl, 'https://huggingface.co'),
  // Where the built-in engine fetches its GPU builds (CUDA, Vulkan) on first use: an npm registry or a mirror of one.
  'engine.packageRegistryUrl': setting(httpUrl, 'https://registry.npmjs.org'),
  // The built-in engine (node-llama-cpp in its own process) serves requests as endpoint `engine`.
  'engine.enabled': setting(z.boolean(), false),
  // GGUF files the user picked (LM Studio's or llama.cpp's folders, or anywhere): served besides the downloaded ones.
  'engine.modelFiles': setting(z.array(z.string().trim().min(1)), []),
  // Replaces the built-in catalogue's recommendation (a company mirror's own models, or the tests' generated model).
  'engine.catalogue': setting(z.unknown(), {}),
  'tiers.small.model': setting(z.string().trim(), ''),
  'tiers.small.endpoint': setting(z.string().trim(), ''),
  'tiers.code.model': setting(z.string().trim(), ''),
  'tiers.code.endpoint': setting(z.string().trim(), ''),
  'tiers.moe.model': setting(z.string().trim(), ''),
  'tiers.moe.endpoint': setting(z.string().trim(), ''),
  'routing.pins': setting(z.partialRecord(taskKindSchema, z.string().trim()), {}),
  'routing.preferLoaded': setting(z.boolean(), true),
  'routing.smallModelClassifier': setting(z.boolean(), false),
  'context.maxContextTokens': setting(z.number().int().min(0).max(1_048_576), 0),
  'context.answerReserveTokens': setting(z.number().int().min(16).max(65_536), 1024),
  // Read per settings scope and entry by entry by the sensitive-file guard (context/sensitiveFiles.ts), which adds the
  // scopes up and reports each bad entry while keeping the rest: here it is only declared, so nothing is reported twice.
  'context.exclude': setting(z.unknown(), []),
  'completion.enabled': setting(z.boolean(), true),
  'completion.disabledLanguages': setting(z.array(z.string()), []),
  'completion.model': setting(z.string().trim(), ''),
  'completion.debounceMs': setting(z.number().int().min(0).max(2000), 60),
  'completion.maxTokens': setting(z.number().int().min(8).max(1024), 128),
  'completion.maxFileSizeKb': setting(z.number().int().min(1).max(102_400), 1024),
  'completion.multiline': setting(z.enum(['auto', 'always', 'never']), 'auto'),
  'completion.requestPolicy': setting(z.enum(['costAware', 'classic']), 'costAware'),
  'completion.repositoryContext': setting(z.boolean(), true),
  'index.enabled': setting(z.boolean(), true),
  'index.embeddingModel': setting(z.string().trim(), ''),
} as const;

export type SettingKey = keyof typeof settingDefinitions;

/**
 * Settings that decide where data goes or which API key is used. Only the user's own settings count for them: a
 * cloned repository's `.vscode/settings.json` must never redirect the user's code or keys. package.json gives them
 * `application` scope and lists them in `capabilities.untrustedWorkspaces.restrictedConfigurations`; the reader
 * takes their user value and ignores any workspace value. A new endpoint-like setting belongs here
 * (test/unit/settingsUserOnly.test.ts fails until it is).
 */
export const userOnlySettingKeys = [
  'ollama.baseUrl',
  // Decides whether the Ollama server receives requests at all.
  'ollama.enabled',
  'openAiEndpoints',
  'tiers.small.endpoint',
  'tiers.code.endpoint',
  'tiers.moe.endpoint',
  // Decides where the built-in engine's model downloads are requested from.
  'engine.downloadBaseUrl',
  // Decides where the built-in engine's GPU builds (native code it loads) are requested from.
  'engine.packageRegistryUrl',
  // Decides whether the built-in engine runs, which files it loads, and which files it downloads (with which hash).
  'engine.enabled',
  'engine.modelFiles',
  'engine.catalogue',
] as const satisfies readonly SettingKey[];

export type UserOnlySettingKey = (typeof userOnlySettingKeys)[number];

const userOnlySet: ReadonlySet<string> = new Set(userOnlySettingKeys);

/** Whether only the user's own settings may set `key` (without the `tiered.` prefix). */
export function isUserOnlySetting(key: string): key is UserOnlySettingKey {
  return userOnlySet.has(key);
}

/** The typed settings object the reader produces. */
export type Settings = { readonly [K in SettingKey]: z.output<(typeof settingDefinitions)[K]['schema']> };

/** The prefix every setting id carries in package.json. */
export const settingsSection = 'tiered';
