/**
 * Builds the configured endpoints as backends: Ollama (id `ollama`) when enabled, then Tiered's built-in engine
 * (id `engine`) when `tiered.engine.enabled` is on, then one OpenAI-compatible backend per `tiered.openAiEndpoints`
 * entry (id = its name).
 * Pure: no `vscode` import.
 */
import { OllamaBackend } from './ollamaBackend';
import { OpenAiBackend } from './openAiBackend';
import type { LlmBackend } from './types';
import type { Settings } from '../settings/schema';
import type { Logger } from '../util/logger';

/** The endpoint id of the configured Ollama server. */
export const ollamaEndpointId = 'ollama';

/**
 * `getApiKey` gets the endpoint's name and the URL the key would be sent to: it answers only with a key stored for
 * that very URL (see ApiKeyStore), so a renamed or re-pointed endpoint never carries a key elsewhere.
 */
export async function createBackends(
  settings: Settings,
  getApiKey: (endpointName: string, baseUrl: string) => Promise<string | undefined>,
  logger: Logger,
  fetchImpl?: typeof fetch,
  /** The built-in engine's backend (one per window, built by its owner: its process outlives a settings change). */
  builtInEngine?: LlmBackend,
): Promise<LlmBackend[]> {
  const timeoutMs = settings.requestTimeoutSeconds * 1000;
  const backends: LlmBackend[] = [];
  if (settings['ollama.enabled']) {
    backends.push(
      new OllamaBackend({
        id: ollamaEndpointId,
        baseUrl: settings['ollama.baseUrl'],
        timeoutMs,
        keepAlive: settings.keepAlive,
        logger,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      }),
    );
  }
  if (settings['engine.enabled'] && builtInEngine !== undefined) {
    backends.push(builtInEngine);
  }
  const seen = new Set<string>(backends.map((b) => b.id));
  for (const endpoint of settings.openAiEndpoints) {
    if (seen.has(endpoint.name)) {
      logger.warn(`Endpoint name "${endpoint.name}" is used twice (or clashes with "${ollamaEndpointId}" or "engine"); only the first one is used.`);
      continue;
    }
    seen.add(endpoint.name);
    let apiKey: string | undefined;
    try {
      apiKey = await getApiKey(endpoint.name, endpoint.baseUrl);
    } catch (error) {
      logger.warn(`Could not read the API key of endpoint "${endpoint.name}": ${error instanceof Error ? error.message : String(error)}`);
    }
    backends.push(
      new OpenAiBackend({
        id: endpoint.name,
        baseUrl: endpoint.baseUrl,
        timeoutMs,
        logger,
        ...(apiKey ? { apiKey } : {}),
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      }),
    );
  }
  return backends;
}
