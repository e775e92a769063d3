import type * as vscode from 'vscode';

/** The part of `vscode.SecretStorage` the store uses (tests pass a Map-backed object). */
export type SecretStore = Pick<vscode.SecretStorage, 'get' | 'store' | 'delete' | 'onDidChange'>;

/** What looking up an endpoint's key for the URL it is about to be sent to gives. */
export type ApiKeyLookup =
  /** No key is stored for this endpoint name. */
  | { readonly kind: 'none' }
  /** The key stored for exactly this URL. `migrated`: a key stored by name only, bound to this URL just now. */
  | { readonly kind: 'key'; readonly key: string; readonly migrated: boolean }
  /** A key is stored for this name but for another URL: it must not be sent. */
  | { readonly kind: 'otherUrl'; readonly storedFor: string }
  /** The stored entry cannot be read (corrupted): nothing is sent. */
  | { readonly kind: 'unreadable' };

/**
 * API keys of OpenAI-compatible endpoints, kept in VS Code's SecretStorage only (never in settings or logs).
 * A key is bound to its endpoint's name AND the URL it was stored for, and is only ever handed out for that URL:
 * an endpoint whose URL changed (by the user, or by anything else) gets no key until the user sets it again.
 *
 * Keys stored by earlier versions under the name alone are bound, at their first use, to the URL the endpoint has
 * then. That URL comes from the user's own settings only (the settings reader ignores workspace values of
 * `tiered.openAiEndpoints`), so a repository cannot claim an old key; the name-only entry is deleted once bound.
 */
export class ApiKeyStore {
  constructor(private readonly secrets: SecretStore) {}

  /** The key of `endpointName` if it was stored for `baseUrl`; otherwise why not. */
  async lookup(endpointName: string, baseUrl: string): Promise<ApiKeyLookup> {
    const stored = await this.secrets.get(boundId(endpointName));
    if (stored !== undefined) {
      const binding = parseBinding(stored);
      if (binding === undefined) {
        return { kind: 'unreadable' };
      }
      return sameUrl(binding.baseUrl, baseUrl) ? { kind: 'key', key: binding.key, migrated: false } : { kind: 'otherUrl', storedFor: binding.baseUrl };
    }
    const legacy = await this.secrets.get(legacyId(endpointName));
    if (legacy === undefined || legacy === '') {
      return { kind: 'none' };
    }
    await this.set(endpointName, baseUrl, legacy);
    await this.secrets.delete(legacyId(endpointName));
    return { kind: 'key', key: legacy, migrated: true };
  }

  /** Stores `key` for `endpointName` at `baseUrl` (replacing any key of that name, whatever its URL). */
  async set(endpointName: string, baseUrl: string, key: string): Promise<void> {
    const binding: Binding = { baseUrl, key };
    await this.secrets.store(boundId(endpointName), JSON.stringify(binding));
    await this.secrets.delete(legacyId(endpointName));
  }

  /** Removes the key of `endpointName` (bound or from an earlier version). */
  async delete(endpointName: string): Promise<void> {
    await this.secrets.delete(boundId(endpointName));
    await this.secrets.delete(legacyId(endpointName));
  }

  /** Fires when any stored key changes (also from another window). */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith(boundPrefix) || e.key.startsWith(legacyPrefix)) {
        listener();
      }
    });
  }
}

interface Binding {
  readonly baseUrl: string;
  readonly key: string;
}

// Earlier versions: the key alone, under the endpoint's name.
const legacyPrefix = 'tiered.apiKey.';
const boundPrefix = 'tiered.apiKeyFor.';

function legacyId(endpointName: string): string {
  return `${legacyPrefix}${endpointName}`;
}

function boundId(endpointName: string): string {
  return `${boundPrefix}${endpointName}`;
}

function parseBinding(text: string): Binding | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'baseUrl' in value && 'key' in value && typeof value.baseUrl === 'string' && typeof value.key === 'string') {
      return { baseUrl: value.baseUrl, key: value.key };
    }
  } catch {
    // Falls through: unreadable.
  }
  return undefined;
}

/** The same URL up to letter case of scheme and host, a default port and trailing slashes. */
export function sameUrl(a: string, b: string): boolean {
  return normalizeUrl(a) === normalizeUrl(b);
}

function normalizeUrl(text: string): string {
  try {
    const url = new URL(text.trim());
    return `${url.protocol}//${url.username}${url.password ? `:${url.password}` : ''}${url.username ? '@' : ''}${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  } catch {
    return text.trim();
  }
}
