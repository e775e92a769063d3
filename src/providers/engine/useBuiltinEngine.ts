import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { EngineTier } from '../../engine/catalogue';
import { modelsToDownload, recommendModels } from '../../engine/catalogueOverride';
import { modelNameOf, storedPath } from '../../engine/modelFiles';
import { publishedHash } from '../../engine/publishedHash';
import type { SettingKey } from '../../settings/schema';
import { formatBytes } from '../../util/format';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import { downloadWithProgress } from './engineDownload';

const tierKeys: Readonly<Record<EngineTier, readonly [SettingKey, SettingKey]>> = {
  small: ['tiers.small.model', 'tiers.small.endpoint'],
  code: ['tiers.code.model', 'tiers.code.endpoint'],
  moe: ['tiers.moe.model', 'tiers.moe.endpoint'],
};

/** The settings that put models on tiers, served by the engine. */
function tierSettings(assign: Partial<Record<EngineTier, string>>): Partial<Record<SettingKey, unknown>> {
  const out: Partial<Record<SettingKey, unknown>> = {};
  for (const tier of ['small', 'code', 'moe'] as const) {
    const model = assign[tier];
    if (model !== undefined) {
      const [modelKey, endpointKey] = tierKeys[tier];
      out[modelKey] = model;
      out[endpointKey] = 'engine';
    }
  }
  return out;
}

/**
 * Turns the engine on with these tier models, and stops asking an Ollama server that does not answer (so the
 * status shows the engine as up, not a half-broken setup). The user is told, and Connect to a Model Server turns
 * Ollama back on. An Ollama that answers is left as it is.
 */
export async function enableEngine(services: Services, assign: Partial<Record<EngineTier, string>>): Promise<string> {
  const reports = await services.connection.check();
  const ollamaDown = services.settings.current['ollama.enabled'] && reports.some((r) => r.kind === 'ollama' && !r.reachable);
  await services.settings.writeUser({ 'engine.enabled': true, ...tierSettings(assign), ...(ollamaDown ? { 'ollama.enabled': false } : {}) });
  services.engine.refresh();
  services.connection.invalidate();
  await services.connection.check();
  return ollamaDown ? ' Ollama did not answer, so Tiered stopped asking it (Connect to a Model Server turns it back on).' : '';
}

/** After setup: what is on which tier, and where to go next. */
export async function announceReady(assign: Partial<Record<EngineTier, string>>, note: string): Promise<void> {
  const tiers = Object.entries(assign).map(([tier, model]) => `${tier}: ${model}`).join(', ');
  const choice = await vscode.window.showInformationMessage(`Tiered: the built-in engine is ready (${tiers}).${note}`, 'Try a Completion', 'Open Chat');
  if (choice === 'Try a Completion') {
    await vscode.commands.executeCommand(commandIds.tryCompletion);
  } else if (choice === 'Open Chat') {
    await vscode.commands.executeCommand(commandIds.openChat);
  }
}

/**
 * "Use Tiered's Built-in Engine": recommends models for this machine's memory (or the user's catalogue), asks once
 * before downloading (sizes and source shown), downloads what is missing with a cancellable progress notification,
 * then puts the models on the tiers and turns the engine on.
 */
export async function useBuiltinEngine(services: Services): Promise<boolean> {
  if (!availableHere(services)) {
    return false;
  }
  const settings = services.settings.current;
  const choices = recommendModels(os.totalmem(), services.engine.catalogueOverride);
  const wanted = modelsToDownload(choices);
  if (wanted.length === 0) {
    void vscode.window.showWarningMessage(`Tiered: no model of the catalogue fits this machine. ${choices.map((c) => c.reason).join(' ')}`, 'Use a GGUF File…').then((c) => c && vscode.commands.executeCommand(commandIds.useGgufFile));
    return false;
  }
  const modelsDir = services.engine.modelsDir;
  const missing = wanted.filter((m) => !existsSync(storedPath(modelsDir, m)));
  const lines = choices.map((c) => `• ${c.tier}: ${c.model === undefined ? 'none' : `${c.model.name} (${formatBytes(c.model.approxBytes)})`}`);
  if (missing.length > 0) {
    const total = missing.reduce((n, m) => n + m.approxBytes, 0);
    const host = safeHost(settings['engine.downloadBaseUrl']);
    const consent = await vscode.window.showInformationMessage(
      `Use Tiered's built-in engine? It downloads ${missing.length === 1 ? 'one model' : `${missing.length} models`} (${formatBytes(total)}) from ${host}.`,
      {
        modal: true,
        detail: `Recommended for this machine (${formatBytes(os.totalmem())} of memory):\n${lines.join('\n')}\n\nThe files go to ${modelsDir} and are checked against their published sha256 before use. Everything then runs on this machine; no code leaves it.`,
      },
      'Download',
    );
    if (consent !== 'Download') {
      return false;
    }
    for (const entry of missing) {
      // An entry without a pinned hash is checked against the one the Hub publishes for the file; none → no download.
      let model = entry;
      if (model.sha256 === undefined) {
        const published = await publishedHash(settings['engine.downloadBaseUrl'], model);
        if (!published.ok) {
          services.logger.warn(`built-in engine: ${published.reason}`);
          void vscode.window.showErrorMessage(`Tiered: ${model.name} was not downloaded: ${published.reason}, so the file could not be checked.`, 'Use a GGUF File…').then((c) => c && vscode.commands.executeCommand(commandIds.useGgufFile));
          return false;
        }
        model = { ...model, sha256: published.file.sha256 };
      }
      const outcome = await downloadWithProgress(model, settings['engine.downloadBaseUrl'], modelsDir, services.logger);
      if (!outcome.ok) {
        const again = await vscode.window.showErrorMessage(`Tiered: ${outcome.error.message}`, ...(outcome.error.reason === 'noHash' ? [] : ['Try Again']), 'Use a GGUF File…');
        if (again === 'Try Again') {
          return useBuiltinEngine(services);
        }
        if (again === 'Use a GGUF File…') {
          await vscode.commands.executeCommand(commandIds.useGgufFile);
        }
        return false;
      }
    }
  }
  const assign: Partial<Record<EngineTier, string>> = {};
  for (const c of choices) {
    if (c.model !== undefined) {
      assign[c.tier] = modelNameOf(storedPath(modelsDir, c.model));
    }
  }
  const note = await enableEngine(services, assign);
  void announceReady(assign, note);
  return true;
}

/** True when this build can run the engine; otherwise tells the user which package has it, and returns false. */
export function availableHere(services: Services): boolean {
  if (services.engine.available) {
    return true;
  }
  const target = `${process.platform}-${process.arch}`;
  void vscode.window.showWarningMessage(
    `Tiered: this build has no built-in engine (it is the universal package, without llama.cpp's binaries). Install Tiered's package for this platform (${target}), or connect to Ollama or an OpenAI-compatible server.`,
    'Connect to a Model Server…',
  ).then((c) => c && vscode.commands.executeCommand(commandIds.connectServer));
  return false;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
