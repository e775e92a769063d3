/**
 * The sha256 Hugging Face publishes for a model file, for catalogue entries whose hash is not pinned in the
 * catalogue: the Hub's tree listing (`<base>/api/models/<repo>/tree/<revision>`) gives each LFS file's object id,
 * which is the sha256 of the file. A mirror with Hugging Face's layout serves the same listing. Without an answer the
 * download is not started (the downloader never accepts a file without a hash). Pure: no `vscode`.
 */
import { z } from 'zod';
import type { CatalogueModel } from './catalogue';

const treeSchema = z.array(z.object({ path: z.string(), size: z.number().optional(), lfs: z.object({ oid: z.string(), size: z.number().optional() }).optional() }).loose());

export interface PublishedFile {
  readonly sha256: string;
  readonly sizeBytes: number | undefined;
}

/** Where the listing of a model's files is, under the download base URL. */
export function treeUrl(baseUrl: string, model: Pick<CatalogueModel, 'repo' | 'revision'>): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/models/${model.repo}/tree/${encodeURIComponent(model.revision)}`;
}

/**
 * The published sha256 (and size) of `model.file`, or a reason why there is none. Never throws: the caller shows
 * the reason instead of downloading.
 */
export async function publishedHash(baseUrl: string, model: Pick<CatalogueModel, 'repo' | 'revision' | 'file'>, fetchImpl: typeof fetch = fetch, signal?: AbortSignal): Promise<{ ok: true; file: PublishedFile } | { ok: false; reason: string }> {
  const url = treeUrl(baseUrl, model);
  let body: unknown;
  try {
    const response = await fetchImpl(url, { ...(signal !== undefined ? { signal } : {}), headers: { accept: 'application/json' } });
    if (!response.ok) {
      return { ok: false, reason: `the file list at ${url} answered ${response.status}` };
    }
    body = await response.json();
  } catch (e) {
    return { ok: false, reason: `the file list at ${url} could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
  const parsed = treeSchema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, reason: `the file list at ${url} is not in the expected format` };
  }
  const entry = parsed.data.find((f) => f.path === model.file);
  const oid = entry?.lfs?.oid.toLowerCase();
  if (oid === undefined || !/^[0-9a-f]{64}$/.test(oid)) {
    return { ok: false, reason: `${model.file} has no published sha256 in the file list at ${url}` };
  }
  return { ok: true, file: { sha256: oid, sizeBytes: entry?.lfs?.size ?? entry?.size } };
}
