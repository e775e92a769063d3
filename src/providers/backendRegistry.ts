import * as vscode from 'vscode';
import { createBackends } from '../backend/createBackends';
import type { LlmBackend } from '../backend/types';
import type { Settings } from '../settings/schema';
import type { Logger } from '../util/logger';
import type { ApiKeyStore } from './apiKeyStore';
import { commandIds } from './commands/commandIds';
import type { SettingsService } from './settingsService';

/**
 * The configured endpoints as backends, built once and rebuilt only when the connection settings
 * or an API key change (so no feature pays for construction on a hot path).
 */
export class BackendRegistry implements vscode.Disposable {
  private cached: Promise<readonly LlmBackend[]> | undefined;
  private cachedKey = '';
  private readonly disposables: vscode.Disposable[] = [];
  /** `name url` pairs already told about a key that was not sent (once per window). */
  private readonly keyNotices = new Set<string>();

  constructor(
    private readonly settings: SettingsService,
    private readonly keys: ApiKeyStore,
    private readonly logger: Logger,
    /** The built-in engine's backend (added when `tiered.engine.enabled` is on). */
    private readonly builtInEngine?: () => LlmBackend | undefined,
  ) {
    this.disposables.push(keys.onDidChange(() => (this.cached = undefined)));
  }

  /** The backends for the current settings. */
  all(): Promise<readonly LlmBackend[]> {
    const key = connectionKey(this.settings.current);
    if (this.cached && key === this.cachedKey) {
      return this.cached;
    }
    const built = createBackends(this.settings.current, (name, url) => this.keyFor(name, url), this.logger, undefined, this.builtInEngine?.());
    this.cachedKey = key;
    this.cached = built;
    return built;
  }

  async byId(id: string): Promise<LlmBackend | undefined> {
    return (await this.all()).find((b) => b.id === id);
  }

  /** The key stored for this endpoint at this URL; otherwise none, telling the user why once. */
  private async keyFor(name: string, url: string): Promise<string | undefined> {
    const found = await this.keys.lookup(name, url);
    if (found.kind === 'key') {
      if (found.migrated) {
        this.logger.info(`The API key of endpoint "${name}" (stored by an earlier version under its name only) is now bound to ${url}: it is only ever sent there.`);
      }
      return found.key;
    }
    if (found.kind === 'none') {
      return undefined;
    }
    const why =
      found.kind === 'otherUrl'
        ? `The API key of endpoint "${name}" was stored for ${found.storedFor}, but "${name}" now points to ${url}; the key is not sent there. If the new URL is right, set the key again for it.`
        : `The stored API key of endpoint "${name}" cannot be read, so no key is sent to ${url}. Set the key again.`;
    this.logger.warn(why);
    const notice = `${name} ${url}`;
    if (!this.keyNotices.has(notice)) {
      this.keyNotices.add(notice);
      void vscode.window.showWarningMessage(`Tiered: ${why}`, 'Set API Key…').then((choice) => {
        if (choice) {
          void vscode.commands.executeCommand(commandIds.setApiKey, name);
        }
      });
    }
    return undefined;
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** The settings that change which backends exist. */
function connectionKey(s: Settings): string {
  return JSON.stringify([s['ollama.baseUrl'], s['ollama.enabled'], s.openAiEndpoints, s.requestTimeoutSeconds, s.keepAlive, s['engine.enabled']]);
}
