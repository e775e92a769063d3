import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
import { z } from 'zod';
import { DownloadError } from '../../engine/download';
import { gpuPackagesDir, gpuVariantPackage, gpuVariantToOffer, installGpuVariant, isGpuVariantInstalled, publishedTarball } from '../../engine/gpuVariant';
import type { GpuVariant } from '../../engine/gpuVariant';
import { formatBytes } from '../../util/format';
import type { Logger } from '../../util/logger';
import type { SettingsService } from '../settingsService';
import { progressText } from './engineDownload';

/** globalState key: the GPU builds the user said not to offer again. */
const DECLINED_KEY = 'tiered.engine.gpuVariantsDeclined';

/**
 * Offers the engine's GPU build (CUDA, Vulkan) when node-llama-cpp detects a GPU this machine can use and the
 * engine runs without it (the platform .vsix carries the CPU build only): with consent, a cancellable progress
 * notification, the registry of `tiered.engine.packageRegistryUrl`, and the sha512 check (engine/gpuVariant.ts).
 * The engine process resolves the downloaded build from global storage from its next start.
 */
export class GpuVariantOffer {
  private readonly storageDir: string;
  /** Asked (or probed with nothing to offer) in this window: once is enough. */
  private settled = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: SettingsService,
    private readonly logger: Logger,
    /** The folder holding the node-llama-cpp package the engine runs (the .vsix's dist/node_modules), if any. */
    private readonly runtimeDir: () => string | undefined,
  ) {
    this.storageDir = context.globalStorageUri.fsPath;
  }

  /** The folder of downloaded GPU builds for the engine's node-llama-cpp version, when one is there. */
  packagesDir(): string | undefined {
    const version = this.engineVersion();
    if (version === undefined) {
      return undefined;
    }
    const dir = gpuPackagesDir(this.storageDir, version);
    return existsSync(dir) ? dir : undefined;
  }

  /** Called when the engine said it is ready, with what it runs on (`cpu`, `cuda`, …). */
  async afterEngineReady(inUse: string): Promise<void> {
    const version = this.engineVersion();
    const runtime = this.runtimeDir();
    // Only Linux and Windows x64 have separate GPU builds (macOS's Metal is in its build).
    if (this.settled || version === undefined || runtime === undefined || gpuVariantPackage(process.platform, process.arch, 'cuda') === undefined) {
      return;
    }
    this.settled = true;
    const supported = await probeSupportedGpuTypes(runtime).catch((e: unknown) => {
      this.logger.debug(`built-in engine: GPU detection failed: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    });
    const declined = this.context.globalState.get<string[]>(DECLINED_KEY, []);
    const dir = gpuPackagesDir(this.storageDir, version);
    const variant = gpuVariantToOffer({ platform: process.platform, arch: process.arch, supported, inUse, version, isInstalled: (name) => isGpuVariantInstalled(dir, name, version) || declined.includes(name) });
    if (variant === undefined) {
      return;
    }
    this.logger.info(`built-in engine: runs on ${inUse}; this machine can use ${variant.gpuName} (${variant.packageName}@${version} is not installed)`);
    await this.offer(variant);
  }

  private async offer(variant: GpuVariant): Promise<void> {
    const registry = this.settings.current['engine.packageRegistryUrl'];
    const published = await publishedTarball(registry, variant.packageName, variant.version);
    const size = published.ok && published.tarball.unpackedBytes !== undefined ? ` (${formatBytes(published.tarball.unpackedBytes)})` : '';
    const download = `Download${size}`;
    const never = "Don't Ask Again";
    const choice = await vscode.window.showInformationMessage(
      `Tiered: this machine has a ${variant.gpuName} GPU, but the built-in engine runs on the CPU: its ${variant.gpuName} build is not included in the installed package. Download it from ${safeHost(registry)} (checked against the registry's sha512)?`,
      download,
      'Not Now',
      never,
    );
    if (choice === never) {
      await this.context.globalState.update(DECLINED_KEY, [...this.context.globalState.get<string[]>(DECLINED_KEY, []), variant.packageName]);
      return;
    }
    if (choice !== download) {
      return;
    }
    const outcome = await vscode.window.withProgress<{ ok: boolean; message: string; cancelled: boolean }>(
      { location: vscode.ProgressLocation.Notification, title: `Tiered: downloading the engine's ${variant.gpuName} build`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        try {
          await installGpuVariant({
            registry,
            variant,
            storageDir: this.storageDir,
            signal: controller.signal,
            onProgress: (p) => {
              if (p.state === 'extracting') {
                progress.report({ message: 'unpacking…' });
                return;
              }
              const percent = p.totalBytes !== undefined && p.totalBytes > 0 ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : 0;
              progress.report({ message: progressText(p).replace('sha256', 'sha512'), increment: Math.max(0, percent - shown) });
              shown = Math.max(shown, percent);
            },
          });
          return { ok: true, message: '', cancelled: false };
        } catch (e) {
          return { ok: false, message: e instanceof Error ? e.message : String(e), cancelled: e instanceof DownloadError && e.reason === 'cancelled' };
        } finally {
          sub.dispose();
        }
      },
    );
    if (!outcome.ok) {
      this.logger.warn(`built-in engine: ${variant.packageName} not installed: ${outcome.message}`);
      if (!outcome.cancelled) {
        void vscode.window.showErrorMessage(`Tiered: ${outcome.message}`);
      }
      return;
    }
    this.logger.info(`built-in engine: ${variant.packageName}@${variant.version} installed (sha512 checked); used from the engine's next start`);
    const reload = 'Reload Window';
    if ((await vscode.window.showInformationMessage(`Tiered: the engine's ${variant.gpuName} build is installed. The engine uses it from its next start.`, reload)) === reload) {
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
    }
  }

  private engineVersion(): string | undefined {
    const runtime = this.runtimeDir();
    if (runtime === undefined) {
      return undefined;
    }
    try {
      const parsed = z.object({ version: z.string() }).loose().safeParse(JSON.parse(readFileSync(path.join(runtime, 'node-llama-cpp', 'package.json'), 'utf8')));
      return parsed.success ? parsed.data.version : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * node-llama-cpp's own detection of the GPU types this machine can use (`getLlamaGpuTypes('supported')`: drivers
 * and runtime libraries present, best first), run in a short-lived Node process: never in the extension host, and
 * without loading any llama.cpp binary.
 */
function probeSupportedGpuTypes(runtimeDir: string): Promise<unknown[]> {
  const entry = pathToFileURL(path.join(runtimeDir, 'node-llama-cpp', 'dist', 'index.js')).href;
  const script = `const m = await import(${JSON.stringify(entry)}); process.stdout.write(JSON.stringify(await m.getLlamaGpuTypes('supported')));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 60_000 }, (error, stdout) => {
      if (error !== null) {
        reject(error);
        return;
      }
      let answer: unknown;
      try {
        answer = JSON.parse(stdout);
      } catch {
        answer = undefined;
      }
      const parsed = z.array(z.union([z.string(), z.boolean()])).safeParse(answer);
      if (parsed.success) {
        resolve(parsed.data);
      } else {
        reject(new Error(`unexpected answer: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
