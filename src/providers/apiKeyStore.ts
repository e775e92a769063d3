import type * as vscode from 'vscode';

/** API keys of OpenAI-compatible endpoints, kept in VS Code's SecretStorage only (never in settings or logs). */
export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(endpointName: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(secretKey(endpointName)));
  }

  async set(endpointName: string, key: string): Promise<void> {
    await this.secrets.store(secretKey(endpointName), key);
  }

  async delete(endpointName: string): Promise<void> {
    await this.secrets.delete(secretKey(endpointName));
  }

  /** Fires when any stored key changes (also from another window). */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith(secretPrefix)) {
        listener();
      }
    });
  }
}

const secretPrefix = 'tiered.apiKey.';

function secretKey(endpointName: string): string {
  return `${secretPrefix}${endpointName}`;
}
