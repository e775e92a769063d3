/**
 * Finds the user-only settings a workspace's own settings file sets, so Tiered can tell the user it ignores them.
 * VS Code drops `application`-scoped values from workspace files before `inspect()` sees them, so the file text is
 * the only place such a value shows. Reporting only: the reader never uses these values whatever this finds.
 * Pure: no `vscode` import.
 */
// The ESM build: the package's UMD main requires its own files at run time, which a bundle cannot follow.
import { parse } from 'jsonc-parser/lib/esm/main.js';
import type { ParseError } from 'jsonc-parser/lib/esm/main.js';
import { settingsSection, userOnlySettingKeys } from './schema';
import type { UserOnlySettingKey } from './schema';

/** A `.vscode/settings.json` (settings at the top level) or a `.code-workspace` file (settings under `settings`). */
export type WorkspaceSettingsFileKind = 'settings' | 'workspace';

const ids: readonly (readonly [string, UserOnlySettingKey])[] = userOnlySettingKeys.map((key) => [`${settingsSection}.${key}`, key]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The user-only settings `text` sets, in the dotted form (`"tiered.ollama.baseUrl"`), nested form
 * (`"tiered": { "ollama": { … } }`) or inside a language block (`"[python]": { … }`). Comments and trailing commas
 * are allowed, as in VS Code; a file that does not parse yields what could be read.
 */
export function userOnlyKeysSetIn(text: string, kind: WorkspaceSettingsFileKind): UserOnlySettingKey[] {
  const errors: ParseError[] = [];
  const root: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const settings = kind === 'workspace' ? (isPlainObject(root) ? root.settings : undefined) : root;
  const found = new Set<UserOnlySettingKey>();
  const walk = (value: unknown, prefix: string, depth: number): void => {
    if (!isPlainObject(value) || depth > 8) {
      return;
    }
    for (const [name, child] of Object.entries(value)) {
      // A language block holds settings under their full ids.
      const path = name.startsWith('[') ? prefix : prefix === '' ? name : `${prefix}.${name}`;
      for (const [id, key] of ids) {
        if (path === id || path.startsWith(`${id}.`)) {
          found.add(key);
        }
      }
      walk(child, path, depth + 1);
    }
  };
  walk(settings, '', 0);
  return userOnlySettingKeys.filter((key) => found.has(key));
}
