/**
 * Reads all `tiered.*` settings through their zod schemas. A value that does not validate is
 * reported (naming the setting) and replaced by its default: a bad setting never throws at the user.
 * The user-only settings (where data goes, which key is used) are read from the user's own value alone:
 * a workspace value of one of them is ignored and reported in `workspaceIgnored`.
 * Pure: takes anything with `get` and `inspect`, so tests pass a plain object.
 */
import { z } from 'zod';
import { isUserOnlySetting, settingDefinitions, settingsSection } from './schema';
import type { Settings, UserOnlySettingKey } from './schema';

/** The part of `vscode.WorkspaceConfiguration.inspect`'s answer the reader uses. */
export interface SettingInspection {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/** The part of `vscode.WorkspaceConfiguration` the reader needs. */
export interface ConfigurationSource {
  /** The effective value (user, workspace and folder merged): used for settings a workspace may set. */
  get(section: string): unknown;
  /** The value per level: user-only settings take `globalValue` and nothing else. */
  inspect(section: string): SettingInspection | undefined;
}

/** A setting whose value was rejected, and why. */
export interface SettingProblem {
  /** Full id, e.g. `tiered.ollama.baseUrl`. */
  readonly setting: string;
  readonly message: string;
}

export interface SettingsReadResult {
  readonly settings: Settings;
  readonly problems: readonly SettingProblem[];
  /** User-only settings a workspace (or workspace folder) sets, whose workspace value was ignored. */
  readonly workspaceIgnored: readonly UserOnlySettingKey[];
}

/** One object schema over all settings: absent → default; invalid → default plus a recorded problem. */
function settingsSchema(problems: SettingProblem[]) {
  const withFallback = <T>(key: string, schema: z.ZodType<T>, fallback: T) =>
    z
      .unknown()
      .transform((raw): T => {
        if (raw === undefined || raw === null) {
          return fallback;
        }
        const parsed = schema.safeParse(raw);
        if (parsed.success) {
          return parsed.data;
        }
        const reason = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
        problems.push({
          setting: `${settingsSection}.${key}`,
          message: `Setting "${settingsSection}.${key}" is invalid (${reason}); using the default ${JSON.stringify(fallback)}.`,
        });
        // Reported to the user instead of failing the parse: one bad setting must not break the rest.
        return fallback;
      });
  const d = settingDefinitions;
  return z.object({
    'ollama.baseUrl': withFallback('ollama.baseUrl', d['ollama.baseUrl'].schema, d['ollama.baseUrl'].default),
    'ollama.enabled': withFallback('ollama.enabled', d['ollama.enabled'].schema, d['ollama.enabled'].default),
    openAiEndpoints: withFallback('openAiEndpoints', d.openAiEndpoints.schema, d.openAiEndpoints.default),
    requestTimeoutSeconds: withFallback('requestTimeoutSeconds', d.requestTimeoutSeconds.schema, d.requestTimeoutSeconds.default),
    keepAlive: withFallback('keepAlive', d.keepAlive.schema, d.keepAlive.default),
    'engine.downloadBaseUrl': withFallback('engine.downloadBaseUrl', d['engine.downloadBaseUrl'].schema, d['engine.downloadBaseUrl'].default),
    'engine.packageRegistryUrl': withFallback('engine.packageRegistryUrl', d['engine.packageRegistryUrl'].schema, d['engine.packageRegistryUrl'].default),
    'engine.enabled': withFallback('engine.enabled', d['engine.enabled'].schema, d['engine.enabled'].default),
    'engine.modelFiles': withFallback('engine.modelFiles', d['engine.modelFiles'].schema, d['engine.modelFiles'].default),
    'engine.catalogue': withFallback('engine.catalogue', d['engine.catalogue'].schema, d['engine.catalogue'].default),
    'tiers.small.model': withFallback('tiers.small.model', d['tiers.small.model'].schema, d['tiers.small.model'].default),
    'tiers.small.endpoint': withFallback('tiers.small.endpoint', d['tiers.small.endpoint'].schema, d['tiers.small.endpoint'].default),
    'tiers.code.model': withFallback('tiers.code.model', d['tiers.code.model'].schema, d['tiers.code.model'].default),
    'tiers.code.endpoint': withFallback('tiers.code.endpoint', d['tiers.code.endpoint'].schema, d['tiers.code.endpoint'].default),
    'tiers.moe.model': withFallback('tiers.moe.model', d['tiers.moe.model'].schema, d['tiers.moe.model'].default),
    'tiers.moe.endpoint': withFallback('tiers.moe.endpoint', d['tiers.moe.endpoint'].schema, d['tiers.moe.endpoint'].default),
    'routing.pins': withFallback('routing.pins', d['routing.pins'].schema, d['routing.pins'].default),
    'routing.preferLoaded': withFallback('routing.preferLoaded', d['routing.preferLoaded'].schema, d['routing.preferLoaded'].default),
    'routing.smallModelClassifier': withFallback('routing.smallModelClassifier', d['routing.smallModelClassifier'].schema, d['routing.smallModelClassifier'].default),
    'context.maxContextTokens': withFallback('context.maxContextTokens', d['context.maxContextTokens'].schema, d['context.maxContextTokens'].default),
    'context.answerReserveTokens': withFallback('context.answerReserveTokens', d['context.answerReserveTokens'].schema, d['context.answerReserveTokens'].default),
    'context.exclude': withFallback('context.exclude', d['context.exclude'].schema, d['context.exclude'].default),
    'completion.enabled': withFallback('completion.enabled', d['completion.enabled'].schema, d['completion.enabled'].default),
    'completion.disabledLanguages': withFallback('completion.disabledLanguages', d['completion.disabledLanguages'].schema, d['completion.disabledLanguages'].default),
    'completion.model': withFallback('completion.model', d['completion.model'].schema, d['completion.model'].default),
    'completion.debounceMs': withFallback('completion.debounceMs', d['completion.debounceMs'].schema, d['completion.debounceMs'].default),
    'completion.maxTokens': withFallback('completion.maxTokens', d['completion.maxTokens'].schema, d['completion.maxTokens'].default),
    'completion.maxFileSizeKb': withFallback('completion.maxFileSizeKb', d['completion.maxFileSizeKb'].schema, d['completion.maxFileSizeKb'].default),
    'completion.multiline': withFallback('completion.multiline', d['completion.multiline'].schema, d['completion.multiline'].default),
    'completion.requestPolicy': withFallback('completion.requestPolicy', d['completion.requestPolicy'].schema, d['completion.requestPolicy'].default),
    'completion.repositoryContext': withFallback('completion.repositoryContext', d['completion.repositoryContext'].schema, d['completion.repositoryContext'].default),
    'index.enabled': withFallback('index.enabled', d['index.enabled'].schema, d['index.enabled'].default),
    'index.embeddingModel': withFallback('index.embeddingModel', d['index.embeddingModel'].schema, d['index.embeddingModel'].default),
  } satisfies Record<keyof Settings, z.ZodType>);
}

/** Reads and validates every setting. `config` is the `tiered` section. */
export function readSettings(config: ConfigurationSource): SettingsReadResult {
  const problems: SettingProblem[] = [];
  const workspaceIgnored: UserOnlySettingKey[] = [];
  const raw = Object.fromEntries(
    Object.keys(settingDefinitions).map((key) => {
      if (!isUserOnlySetting(key)) {
        return [key, config.get(key)];
      }
      // Never get(): it merges in the workspace's value. Only the user's own value (or the default) counts.
      const levels = config.inspect(key);
      if (levels?.workspaceValue !== undefined || levels?.workspaceFolderValue !== undefined) {
        workspaceIgnored.push(key);
      }
      return [key, levels?.globalValue];
    }),
  );
  const settings: Settings = Object.freeze(settingsSchema(problems).parse(raw));
  return { settings, problems, workspaceIgnored };
}

/** A source holding only user values (tests, defaults): `get` and `inspect().globalValue` agree. */
export function userValuesSource(values: Readonly<Record<string, unknown>>): ConfigurationSource {
  const value = (key: string): unknown => (Object.hasOwn(values, key) ? values[key] : undefined);
  return { get: value, inspect: (key) => ({ globalValue: value(key) }) };
}

/** The defaults alone, as a Settings object. */
export function defaultSettings(): Settings {
  return readSettings(userValuesSource({})).settings;
}
