import type * as vscode from 'vscode';
import { createBackends } from '../backend/createBackends';
import type { LlmBackend } from '../backend/types';
import type { Settings } from '../settings/schema';
import type { Logger } from '../util/logger';
import type { ApiKeyStore } from './apiKeyStore';
import type { SettingsService } from './settingsService';

/**
 * The configured endpoints as backends, built once and rebuilt only when the connection settings
 * or an API key change (so no feature pays for construction on a hot path).
 */
export class BackendRegistry implements vscode.Disposable {
  private cached: Promise<readonly LlmBackend[]> | undefined;
  private cachedKey = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly settings: SettingsService,
    private readonly keys: ApiKeyStore,
    private readonly logger: Logger,
  ) {
    this.disposables.push(keys.onDidChange(() => (this.cached = undefined)));
  }

  /** The backends for the current settings. */
  all(): Promise<readonly LlmBackend[]> {
    const key = connectionKey(this.settings.current);
    if (this.cached && key === this.cachedKey) {
      return this.cached;
    }
    const built = createBackends(this.settings.current, (name: string) => this.keys.get(name), this.logger);
    this.cachedKey = key;
    this.cached = built;
    return built;
  }

  async byId(id: string): Promise<LlmBackend | undefined> {
    return (await this.all()).find((b) => b.id === id);
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** The settings that change which backends exist. */
function connectionKey(s: Settings): string {
  return JSON.stringify([s['ollama.baseUrl'], s['ollama.enabled'], s.openAiEndpoints, s.requestTimeoutSeconds, s.keepAlive]);
}
