import * as vscode from 'vscode';
import type { CatalogueModel } from '../../engine/catalogue';
import { downloadUrl } from '../../engine/catalogue';
import { DownloadError, downloadModel } from '../../engine/download';
import type { DownloadProgress } from '../../engine/download';
import { storedPath } from '../../engine/modelFiles';
import { formatBytes } from '../../util/format';
import type { Logger } from '../../util/logger';

/** How a download with the progress notification ended. */
export type DownloadOutcome = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly error: DownloadError };

/** What the notification says while a model downloads: `12.0 MB of 40.0 MB (30 %)`. */
export function progressText(p: DownloadProgress): string {
  if (p.state === 'checking') {
    return p.receivedBytes > 0 ? `resuming after ${formatBytes(p.receivedBytes)}…` : 'connecting…';
  }
  if (p.state === 'verifying') {
    return 'checking the sha256…';
  }
  if (p.state === 'done') {
    return 'done';
  }
  return p.totalBytes !== undefined && p.totalBytes > 0
    ? `${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)} (${Math.floor((p.receivedBytes / p.totalBytes) * 100)} %)`
    : formatBytes(p.receivedBytes);
}

/**
 * Downloads one catalogue model into the models folder under a cancellable progress notification. A partial file
 * is kept for resume (the next attempt continues it); a file whose sha256 does not match is removed, never used.
 */
export async function downloadWithProgress(model: CatalogueModel, baseUrl: string, modelsDir: string, logger: Logger): Promise<DownloadOutcome> {
  const url = downloadUrl(baseUrl, model);
  const dest = storedPath(modelsDir, model);
  logger.info(`built-in engine: downloading ${model.name} from ${url}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tiered: downloading ${model.name}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let shownPercent = 0;
      try {
        const result = await downloadModel({
          url,
          dest,
          sha256: model.sha256,
          signal: controller.signal,
          // Room for the engine's context and the editor beside the file.
          reserveBytes: 256 * 2 ** 20,
          onProgress: (p) => {
            const percent = p.totalBytes !== undefined && p.totalBytes > 0 ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : 0;
            progress.report({ message: progressText(p), increment: Math.max(0, percent - shownPercent) });
            shownPercent = Math.max(shownPercent, percent);
          },
        });
        logger.info(`built-in engine: ${model.name} downloaded (${formatBytes(result.bytes)}${result.resumedFromBytes > 0 ? `, resumed after ${formatBytes(result.resumedFromBytes)}` : ''}), sha256 checked`);
        return { ok: true, path: result.path };
      } catch (e) {
        const error = e instanceof DownloadError ? e : new DownloadError('server', e instanceof Error ? e.message : String(e), false);
        logger.warn(`built-in engine: download of ${model.name} failed (${error.reason}): ${error.message}`);
        return { ok: false, error };
      } finally {
        sub.dispose();
      }
    },
  );
}
