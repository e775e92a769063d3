import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CATALOGUE } from '../../engine/catalogue';
import type { CatalogueModel } from '../../engine/catalogue';
import { parseCatalogueOverride } from '../../engine/catalogueOverride';
import type { CatalogueOverride } from '../../engine/catalogueOverride';
import { EngineBackend } from '../../engine/engineBackend';
import type { EngineModelFile } from '../../engine/engineBackend';
import { EngineProcess } from '../../engine/engineProcess';
import { forkEngine } from '../../engine/forkEngine';
import { listEngineModels } from '../../engine/modelFiles';
import type { Logger } from '../../util/logger';
import type { SettingsService } from '../settingsService';
import { GpuVariantOffer } from './gpuVariantOffer';

/** Unload the model after this long without requests: its memory goes back to the machine (the process stays warm). */
const IDLE_UNLOAD_MS = 10 * 60_000;

/**
 * The built-in engine inside the extension: one engine process for the window (started on first use, restarted
 * after a crash, stopped with the window), the models it serves (downloaded into the extension's global storage,
 * plus the files in `tiered.engine.modelFiles`), and the backend the registry adds as endpoint `engine` when
 * `tiered.engine.enabled` is on.
 */
export class EngineService implements vscode.Disposable {
  /** Where downloaded models live: the extension's global storage, so they survive updates and are per user. */
  readonly modelsDir: string;
  readonly process: EngineProcess;
  readonly backend: EngineBackend;
  private files: EngineModelFile[] = [];
  private overrideProblem: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private crashNoticeShown = false;
  private readonly extensionPath: string;
  /** The engine's GPU builds, offered when this machine can use one the package does not carry. */
  private readonly gpuVariants: GpuVariantOffer;

  constructor(
    context: vscode.ExtensionContext,
    private readonly settings: SettingsService,
    private readonly logger: Logger,
  ) {
    this.modelsDir = path.join(context.globalStorageUri.fsPath, 'models');
    this.extensionPath = context.extensionPath;
    const script = context.asAbsolutePath(path.join('dist', 'engineHost.js'));
    this.gpuVariants = new GpuVariantOffer(context, settings, logger, () => this.runtimeDir);
    this.process = new EngineProcess({
      spawn: () => forkEngine({ script, gpuPackagesDir: this.gpuVariants.packagesDir(), onStderr: (line) => logger.debug(`engine: ${line}`) }),
      idleUnloadMs: IDLE_UNLOAD_MS,
      log: (line) => this.onEngineLog(line),
    });
    this.backend = new EngineBackend({ process: this.process, models: () => this.files });
    this.refresh();
    this.disposables.push(settings.onDidChange(() => this.refresh()));
  }

  /** The engine's backend when the user turned it on, else undefined (then no engine process ever starts). */
  enabledBackend(): EngineBackend | undefined {
    return this.settings.current['engine.enabled'] ? this.backend : undefined;
  }

  /**
   * Whether this build carries the engine's runtime: a platform .vsix has it in dist/node_modules, a development
   * checkout in node_modules; the universal .vsix has neither (there the engine cannot start, so it is not offered).
   */
  get available(): boolean {
    return this.runtimeDir !== undefined;
  }

  /** The folder holding the engine's node-llama-cpp (dist/node_modules in a platform .vsix), if this build has one. */
  private get runtimeDir(): string | undefined {
    return [path.join(this.extensionPath, 'dist', 'node_modules'), path.join(this.extensionPath, 'node_modules')].find((dir) => existsSync(path.join(dir, 'node-llama-cpp', 'package.json')));
  }

  /** The model files served now. */
  get models(): readonly EngineModelFile[] {
    return this.files;
  }

  /** The user's catalogue override (setting `tiered.engine.catalogue`), `{}` when none or invalid (logged). */
  get catalogueOverride(): CatalogueOverride {
    const { override, problem } = parseCatalogueOverride(this.settings.current['engine.catalogue']);
    if (problem !== undefined && problem !== this.overrideProblem) {
      this.logger.warn(problem);
    }
    this.overrideProblem = problem;
    return override;
  }

  /** Re-reads the models folder and the picked files (after a download, a pick, or a settings change). */
  refresh(): void {
    const known: CatalogueModel[] = [...Object.values(this.catalogueOverride), ...Object.values(CATALOGUE).flatMap((band) => Object.values(band).filter((m): m is CatalogueModel => m !== undefined))];
    this.files = listEngineModels(this.modelsDir, this.settings.current['engine.modelFiles'], known);
  }

  dispose(): void {
    this.process.dispose();
    for (const d of this.disposables) {
      d.dispose();
    }
  }

  private onEngineLog(line: string): void {
    this.logger.info(line);
    const ready = /^built-in engine: ready \((.+)\)$/.exec(line);
    if (ready?.[1] !== undefined) {
      this.gpuVariants.afterEngineReady(ready[1]).catch((e: unknown) => this.logger.warn(`built-in engine: the GPU build offer failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    // A crash is told once per window in a notification (the log has every one): the next request restarts it.
    if (line.startsWith('built-in engine: stopped') && !this.crashNoticeShown) {
      this.crashNoticeShown = true;
      void vscode.window.showWarningMessage(`Tiered: ${line.replace(/^built-in engine: /, 'the built-in engine ')}. The editor is not affected.`);
    }
  }
}
