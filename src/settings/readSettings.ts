/**
 * Reads all `tiered.*` settings through their zod schemas. A value that does not validate is
 * reported (naming the setting) and replaced by its default: a bad setting never throws at the user.
 * Pure: takes anything with a `get`, so tests pass a plain object.
 */
import { settingDefinitions, settingsSection } from './schema';
import type { SettingKey, Settings } from './schema';

/** The part of `vscode.WorkspaceConfiguration` the reader needs. */
export interface ConfigurationSource {
  get(section: string): unknown;
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
}

/** Reads and validates every setting. `config` is the `tiered` section. */
export function readSettings(config: ConfigurationSource): SettingsReadResult {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const key of Object.keys(settingDefinitions) as SettingKey[]) {
    const definition = settingDefinitions[key];
    const raw = config.get(key);
    if (raw === undefined || raw === null) {
      values[key] = definition.default;
      continue;
    }
    const parsed = definition.schema.safeParse(raw);
    if (parsed.success) {
      values[key] = parsed.data;
    } else {
      values[key] = definition.default;
      const reason = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      problems.push({
        setting: `${settingsSection}.${key}`,
        message: `Setting "${settingsSection}.${key}" is invalid (${reason}); using the default ${JSON.stringify(definition.default)}.`,
      });
    }
  }
  return { settings: Object.freeze(values) as Settings, problems };
}

/** The defaults alone, as a Settings object. */
export function defaultSettings(): Settings {
  return readSettings({ get: () => undefined }).settings;
}
