/**
 * "Check Connection": asks one endpoint everything the user wants to know (is it up, which version,
 * which models, which are loaded now) and formats the answers as readable text.
 * Pure: no `vscode` import.
 */
import { errors, isTieredError } from './errors';
import type { TieredError } from './errors';
import type { BackendKind, LlmBackend, LoadedModel, ModelInfo } from './types';
import { formatBytes } from '../util/format';

/** What one endpoint answered. */
export interface EndpointReport {
  readonly id: string;
  readonly kind: BackendKind;
  readonly baseUrl: string;
  /** True when the server answered with a model list. */
  readonly reachable: boolean;
  readonly version?: string;
  readonly models: ModelInfo[];
  readonly loaded: LoadedModel[];
  /** Why the endpoint is unreachable, or what part of the check failed. */
  readonly error?: TieredError;
}

function asTieredError(error: unknown, url: string): TieredError {
  if (isTieredError(error)) {
    return error;
  }
  return errors.badResponse(url, error instanceof Error ? error.message : String(error));
}

/** Checks one endpoint. Never throws: a failure is in the report. */
export async function checkEndpoint(backend: LlmBackend, signal?: AbortSignal): Promise<EndpointReport> {
  const base = { id: backend.id, kind: backend.kind, baseUrl: backend.baseUrl };
  // The model list decides reachability; version and loaded models are extras that may fail alone.
  const [models, info, loaded] = await Promise.allSettled([backend.listModels(signal), backend.serverInfo(signal), backend.listLoaded(signal)]);
  if (models.status === 'rejected') {
    return { ...base, reachable: false, models: [], loaded: [], error: asTieredError(models.reason, backend.baseUrl) };
  }
  const version = info.status === 'fulfilled' ? info.value.version : undefined;
  return {
    ...base,
    reachable: true,
    ...(version !== undefined ? { version } : {}),
    models: [...models.value].sort((a, b) => a.name.localeCompare(b.name)),
    loaded: loaded.status === 'fulfilled' ? loaded.value : [],
    ...(loaded.status === 'rejected' ? { error: asTieredError(loaded.reason, backend.baseUrl) } : {}),
  };
}

function fim(model: ModelInfo): string {
  if (model.capabilities.insert === undefined) {
    return 'unknown';
  }
  return model.capabilities.insert ? 'yes' : 'no';
}

function capabilityList(model: ModelInfo): string {
  const c = model.capabilities;
  const names = [c.completion ? 'completion' : '', c.insert === true ? 'insert' : '', c.tools ? 'tools' : '', c.thinking ? 'thinking' : '', c.vision ? 'vision' : '', c.embedding ? 'embedding' : ''];
  return names.filter((n) => n !== '').join(', ') || 'none reported';
}

function modelLine(model: ModelInfo, loaded: LoadedModel | undefined): string {
  const parts = [
    `family ${model.family || 'unknown'}`,
    `${model.parameterSize || '?'} parameters`,
    `size ${formatBytes(model.sizeBytes)}`,
    `quantization ${model.quantization || 'unknown'}`,
    `context ${model.contextLength ?? 'unknown'}`,
    ...(model.expertCount !== undefined ? [`${model.expertCount} experts (MoE)`] : []),
    `FIM ${fim(model)}`,
    `capabilities: ${capabilityList(model)}`,
  ];
  const state = loaded ? ` — loaded (num_ctx ${loaded.contextLength ?? 'unknown'})` : '';
  return `    • ${model.name}: ${parts.join(', ')}${state}`;
}

/** A readable multi-line report of every endpoint, for the log and the Check Connection command. */
export function formatReport(reports: readonly EndpointReport[]): string {
  if (reports.length === 0) {
    return 'No model server is configured. Enable Ollama (tiered.ollama.enabled) or add an OpenAI-compatible endpoint (tiered.openAiEndpoints).';
  }
  const lines: string[] = [];
  for (const report of reports) {
    const kind = report.kind === 'ollama' ? 'Ollama' : report.kind === 'engine' ? 'built-in engine' : 'OpenAI-compatible';
    if (!report.reachable) {
      lines.push(`✗ ${report.id} (${kind}) at ${report.baseUrl}: NOT reachable.`);
      lines.push(`    ${report.error?.message ?? 'No answer.'}`);
      continue;
    }
    lines.push(`✓ ${report.id} (${kind}) at ${report.baseUrl}: reachable, server version ${report.version ?? 'unknown'}.`);
    if (report.models.length === 0) {
      lines.push(report.kind === 'ollama' ? '    No models installed. Pull one, e.g. `ollama pull qwen2.5-coder:1.5b`.' : '    The server lists no models.');
    } else {
      lines.push(`    ${report.models.length} model${report.models.length === 1 ? '' : 's'} installed:`);
      for (const model of report.models) {
        lines.push(modelLine(model, report.loaded.find((l) => l.name === model.name)));
      }
    }
    const strangers = report.loaded.filter((l) => !report.models.some((m) => m.name === l.name));
    for (const l of strangers) {
      lines.push(`    • ${l.name}: loaded (num_ctx ${l.contextLength ?? 'unknown'})`);
    }
    lines.push(report.loaded.length === 0 ? '    No model is loaded right now.' : `    Loaded now: ${report.loaded.map((l) => l.name).join(', ')}.`);
    if (report.error) {
      lines.push(`    Note: ${report.error.message}`);
    }
  }
  return lines.join('\n');
}
