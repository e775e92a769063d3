import * as vscode from 'vscode';
import { isTieredError } from '../../backend/errors';
import type { LlmBackend } from '../../backend/types';
import { readMachineMemory } from '../../onboarding/machine';
import { PullProgressTracker } from '../../onboarding/pullProgress';
import { formatGb, recommend } from '../../onboarding/recommendations';
import { tiers } from '../../settings/schema';
import { formatBytes } from '../../util/format';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';

/** What a pull ended with (returned by the command, for tests and callers). */
export interface PullOutcome {
  readonly status: 'success' | 'cancelled' | 'failed' | 'dismissed';
  readonly model?: string;
  readonly message?: string;
  /** Percent after each progress report, in order. */
  readonly percents: readonly number[];
}

/** Pulls under way, so the status menu and `tiered.cancelPull` can stop them. */
export class PullRegistry {
  private readonly running = new Map<string, AbortController>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  start(model: string): AbortController {
    const controller = new AbortController();
    this.running.set(model, controller);
    this.changed.fire();
    return controller;
  }

  end(model: string): void {
    this.running.delete(model);
    this.changed.fire();
  }

  get models(): string[] {
    return [...this.running.keys()];
  }

  /** Cancels one pull, or every pull; returns how many were cancelled. */
  cancel(model?: string): number {
    let n = 0;
    for (const [name, controller] of this.running) {
      if (model === undefined || model === name) {
        controller.abort();
        n++;
      }
    }
    return n;
  }

  dispose(): void {
    this.cancel();
    this.changed.dispose();
  }
}

/** The Ollama backend, checked to be reachable; explains and returns undefined otherwise. */
export async function reachableOllama(services: Services): Promise<LlmBackend | undefined> {
  const backends = await services.backends.all();
  const ollama = backends.find((b) => b.kind === 'ollama');
  if (ollama === undefined) {
    void vscode.window
      .showWarningMessage(
        'Tiered: pulling and removing models needs an Ollama server, and Ollama is disabled (tiered.ollama.enabled). OpenAI-compatible servers load models with their own tools (for llama-server: the -m option).',
        'Open Settings',
      )
      .then((choice) => choice && vscode.commands.executeCommand(commandIds.openSettings));
    return undefined;
  }
  let report = services.connection.reports.find((r) => r.id === ollama.id);
  if (report?.reachable !== true) {
    report = (await services.connection.check()).find((r) => r.id === ollama.id);
  }
  if (report?.reachable !== true) {
    const detail = report?.error?.message ?? `Cannot reach Ollama at ${ollama.baseUrl}.`;
    // Not awaited: the command returns at once while the message waits for the user.
    void vscode.window.showErrorMessage(`Tiered: ${detail}`, 'Check Connection', 'Connect to a Server…').then((choice) => {
      if (choice === 'Check Connection') {
        void vscode.commands.executeCommand(commandIds.checkConnection);
      } else if (choice === 'Connect to a Server…') {
        void vscode.commands.executeCommand(commandIds.connectServer);
      }
    });
    return undefined;
  }
  return ollama;
}

interface PullPickItem extends vscode.QuickPickItem {
  readonly model?: string;
}

/** Quick pick: recommendations for this machine (installed / won't fit marked) plus any name typed. */
async function pickModel(services: Services, backend: LlmBackend): Promise<string | undefined> {
  const installed = services.connection.reports.find((r) => r.id === backend.id)?.models ?? [];
  const memory = readMachineMemory();
  const rec = recommend(memory.totalMemBytes, memory.gpuMemBytes, installed);
  const items: PullPickItem[] = [];
  for (const tier of tiers) {
    items.push({ label: `${tier} tier`, kind: vscode.QuickPickItemKind.Separator });
    for (const o of rec[tier].options) {
      const marks = [o === rec[tier].pick ? '$(star-full) recommended' : '', o.installed ? '$(check) installed' : '', o.fit === 'wontFit' ? "$(warning) won't fit" : ''].filter((m) => m !== '');
      items.push({
        label: o.model,
        model: o.model,
        description: [...marks, `${o.quantization}, ${formatGb(o.downloadGb * 1e9)} download`].join(' · '),
        detail: `${o.note} — ${o.fitText}${o.fim ? ' · fill-in-the-middle' : ''}`,
      });
    }
  }
  const memoryText = `${formatGb(memory.totalMemBytes)} RAM${memory.gpuMemBytes !== undefined ? `, ${formatGb(memory.gpuMemBytes)} GPU` : ', GPU memory unknown'}`;
  const quickPick = vscode.window.createQuickPick<PullPickItem>();
  quickPick.title = `Tiered: Pull Model (this machine: ${memoryText})`;
  quickPick.placeholder = 'Pick a recommended model, or type any Ollama model name (e.g. llama3.2:3b)';
  quickPick.matchOnDescription = true;
  quickPick.items = items;
  quickPick.onDidChangeValue((value) => {
    const name = value.trim();
    const exact = items.some((i) => i.model === name);
    quickPick.items = name === '' || exact ? items : [{ label: name, model: name, description: 'pull this name', alwaysShow: true }, ...items];
  });
  return new Promise<string | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.model);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** Adds the next step the server's error text points to. */
export function pullFailureHint(message: string): string {
  if (/no space left|disk full|not enough space/i.test(message)) {
    return ' Free disk space where Ollama keeps its models (~/.ollama/models, or OLLAMA_MODELS), then retry: the download resumes.';
  }
  if (/file does not exist|manifest.*not found|not found/i.test(message)) {
    return ' Check the name on ollama.com/library (name:tag).';
  }
  return '';
}

/** Pulls one model with a cancellable progress notification; offers Retry on failure. */
export async function pullWithProgress(services: Services, backend: LlmBackend, model: string, pulls: PullRegistry): Promise<PullOutcome> {
  const percents: number[] = [];
  const tracker = new PullProgressTracker();
  const controller = pulls.start(model);
  services.logger.info(`Pulling ${model} on ${backend.baseUrl}.`);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tiered: pulling ${model}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        let lastReportAt = 0;
        for await (const line of backend.pull(model, controller.signal)) {
          const snap = tracker.update(line);
          const now = Date.now();
          // Ollama sends a line every ~60 ms per layer: repaint at most every 100 ms, but never skip a phase change.
          if (now - lastReportAt >= 100 || snap.phase !== 'downloading') {
            progress.report({ message: snap.message, increment: snap.percent - reported });
            reported = snap.percent;
            lastReportAt = now;
            percents.push(Math.floor(snap.percent));
          }
        }
        const end = tracker.snapshot();
        percents.push(Math.floor(end.percent));
        progress.report({ message: end.message, increment: end.percent - reported });
      },
    );
  } catch (error) {
    if (controller.signal.aborted || isTieredError(error, 'aborted')) {
      const at = Math.floor(tracker.snapshot().percent);
      services.logger.info(`Pull of ${model} cancelled at ${at}%.`);
      void vscode.window.showInformationMessage(`Tiered: pull of ${model} cancelled at ${at}%. Pulling it again resumes the download.`);
      return { status: 'cancelled', model, percents };
    }
    const base = error instanceof Error ? error.message : String(error);
    const at = Math.floor(tracker.snapshot().percent);
    const message = `${at > 0 && at < 100 ? `The pull of ${model} stopped at ${at}%. ` : ''}${base}${pullFailureHint(base)}`;
    services.logger.warn(`Pull of ${model} failed: ${message}`);
    void vscode.window.showErrorMessage(`Tiered: ${message}`, 'Retry', 'Show Log').then((choice) => {
      if (choice === 'Retry') {
        void vscode.commands.executeCommand(commandIds.pullModel, model);
      } else if (choice === 'Show Log') {
        void vscode.commands.executeCommand(commandIds.showLog);
      }
    });
    return { status: 'failed', model, message, percents };
  } finally {
    pulls.end(model);
  }
  const total = tracker.snapshot().totalBytes;
  services.logger.info(`Pulled ${model} (${formatBytes(total)}).`);
  await services.connection.check();
  void vscode.window.showInformationMessage(`Tiered: pulled ${model} (${formatBytes(total)}).`, 'Configure Tiers…').then((choice) => {
    if (choice) {
      void vscode.commands.executeCommand(commandIds.configureTiers);
    }
  });
  return { status: 'success', model, percents };
}

/** "Tiered: Pull Model…" — argument: an optional model name (skips the quick pick). */
export function registerPullModel(services: Services, pulls: PullRegistry): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(commandIds.pullModel, async (arg?: unknown): Promise<PullOutcome> => {
      const backend = await reachableOllama(services);
      if (backend === undefined) {
        return { status: 'failed', message: 'no reachable Ollama server', percents: [] };
      }
      const model = typeof arg === 'string' && arg.trim() !== '' ? arg.trim() : await pickModel(services, backend);
      if (model === undefined) {
        return { status: 'dismissed', percents: [] };
      }
      if (pulls.models.includes(model)) {
        void vscode.window.showInformationMessage(`Tiered: ${model} is already being pulled.`);
        return { status: 'dismissed', model, percents: [] };
      }
      return pullWithProgress(services, backend, model, pulls);
    }),
    vscode.commands.registerCommand(commandIds.cancelPull, (arg?: unknown) => pulls.cancel(typeof arg === 'string' ? arg : undefined)),
  );
}

/** A model name from a command argument: a string, `{ model: string }`, or a Models view node (`{ model: { name } }`). */
function modelNameFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') {
    return arg;
  }
  if (typeof arg !== 'object' || arg === null || !('model' in arg)) {
    return undefined;
  }
  const model: unknown = arg.model;
  if (typeof model === 'string') {
    return model;
  }
  return typeof model === 'object' && model !== null && 'name' in model && typeof model.name === 'string' ? model.name : undefined;
}

/** "Tiered: Remove Model…" — argument: an optional model name, or `{ model, confirm: false }` to skip the dialog. */
export function registerRemoveModel(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.removeModel, async (arg?: unknown): Promise<'removed' | 'dismissed' | 'failed'> => {
    const backend = await reachableOllama(services);
    if (backend === undefined) {
      return 'failed';
    }
    const report = services.connection.reports.find((r) => r.id === backend.id);
    const argModel = modelNameFromArg(arg);
    const confirm = !(typeof arg === 'object' && arg !== null && 'confirm' in arg && arg.confirm === false);
    let model = argModel;
    if (model === undefined) {
      const choices: vscode.QuickPickItem[] = (report?.models ?? []).map((m) => ({ label: m.name, description: `${formatBytes(m.sizeBytes)} · ${m.parameterSize} · ${m.quantization}` }));
      const picked = await vscode.window.showQuickPick(
        choices,
        { title: 'Tiered: Remove Model', placeHolder: report?.models.length ? 'Model to remove from the Ollama server' : 'No models installed' },
      );
      model = picked?.label;
    }
    if (model === undefined) {
      return 'dismissed';
    }
    const info = report?.models.find((m) => m.name === model);
    const settings = services.settings.current;
    const usedBy = tiers.filter((t) => settings[`tiers.${t}.model`] === model);
    if (confirm) {
      const detail = [
        `This deletes ${info ? formatBytes(info.sizeBytes) : 'the model'} from ${backend.baseUrl}.`,
        usedBy.length > 0 ? `The ${usedBy.join(' and ')} tier${usedBy.length > 1 ? 's use' : ' uses'} it; the setting stays as it is until you choose another model.` : '',
      ].filter((s) => s !== '').join(' ');
      const ok = await vscode.window.showWarningMessage(`Remove ${model}?`, { modal: true, detail }, 'Remove');
      if (ok !== 'Remove') {
        return 'dismissed';
      }
    }
    try {
      await backend.deleteModel(model);
    } catch (error) {
      if (isTieredError(error, 'modelNotFound')) {
        void vscode.window.showInformationMessage(`Tiered: ${model} was already gone from ${backend.baseUrl}.`);
        await services.connection.check();
        return 'removed';
      }
      const message = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(`Tiered: could not remove ${model}: ${message}`);
      return 'failed';
    }
    services.routing.speeds.clear(backend.id, model);
    services.logger.info(`Removed ${model} from ${backend.baseUrl}.`);
    await services.connection.check();
    if (usedBy.length > 0) {
      void vscode.window.showInformationMessage(`Tiered: removed ${model}. The ${usedBy.join(' and ')} tier needs another model.`, 'Configure Tiers…').then((next) => {
        if (next) {
          void vscode.commands.executeCommand(commandIds.configureTiers);
        }
      });
    } else {
      void vscode.window.showInformationMessage(`Tiered: removed ${model}.`);
    }
    return 'removed';
  });
}
