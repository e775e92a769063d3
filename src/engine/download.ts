/**
 * Downloads one model file for the built-in engine: resumes a partial file with an HTTP Range request, checks free
 * space before writing, can be cancelled, and checks the sha256 before the file is used. The file is written to
 * `<dest>.partial` and renamed to `dest` only after the hash matched, so a partial or corrupt file is never used:
 * an interrupted or cancelled download keeps the partial file for resume; a hash mismatch removes it.
 * Pure: no `vscode`; `fetch` and the free-space probe are injectable for tests.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

export type DownloadState = 'checking' | 'downloading' | 'verifying' | 'done';

export interface DownloadProgress {
  readonly state: DownloadState;
  readonly receivedBytes: number;
  /** Undefined until the server says the size. */
  readonly totalBytes: number | undefined;
}

/** Why a download failed; each has a message saying what to do. */
export type DownloadFailureReason = 'offline' | 'notFound' | 'server' | 'diskFull' | 'hashMismatch' | 'cancelled' | 'noHash';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';

  constructor(
    readonly reason: DownloadFailureReason,
    message: string,
    /** Whether a partial file was kept, so that trying again resumes. */
    readonly partialKept: boolean,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  readonly url: string;
  /** Final path of the model file. */
  readonly dest: string;
  /** Expected sha256 (hex) of the whole file, as published. Required (or `sha512`): an unchecked file is never used. */
  readonly sha256: string | undefined;
  /** Expected sha512 (hex) instead of the sha256: npm packages publish sha512 integrity (the engine's GPU builds). */
  readonly sha512?: string;
  /** What is downloaded, for the messages (default `the model`). */
  readonly what?: string;
  /** The setting that says where downloads come from, for the messages (default `tiered.engine.downloadBaseUrl`). */
  readonly sourceSetting?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly fetch?: typeof fetch;
  /** Free bytes on the disk holding `dir` (default: statfs). */
  readonly freeBytes?: (dir: string) => Promise<number>;
  /** Space to leave free beyond the file itself. */
  readonly reserveBytes?: number;
}

export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  /** Bytes already on disk from an earlier attempt, reused through a Range request. */
  readonly resumedFromBytes: number;
}

/** The partial file's path for a destination. */
export function partialPath(dest: string): string {
  return `${dest}.partial`;
}

export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, signal } = options;
  const algorithm = options.sha512 !== undefined ? 'sha512' : 'sha256';
  const expected = (options.sha512 ?? options.sha256)?.toLowerCase();
  if (expected === undefined || !(algorithm === 'sha512' ? /^[0-9a-f]{128}$/ : /^[0-9a-f]{64}$/).test(expected)) {
    throw new DownloadError('noHash', `No published ${algorithm} is known for ${url}, so the download could not be checked; it was not started.`, false);
  }
  const what = options.what ?? 'the model';
  const sourceSetting = options.sourceSetting ?? 'tiered.engine.downloadBaseUrl';
  const partial = partialPath(dest);
  await mkdir(dirname(dest), { recursive: true });
  const report = (state: DownloadState, receivedBytes: number, totalBytes: number | undefined): void => options.onProgress?.({ state, receivedBytes, totalBytes });
  const existing = await sizeOf(partial);
  report('checking', existing, undefined);

  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { headers: existing > 0 ? { Range: `bytes=${existing}-` } : {}, ...(signal !== undefined ? { signal } : {}) });
  } catch (e) {
    throw failure(e, signal, existing > 0, what, `Could not reach ${hostOf(url)} to download ${what} (${e instanceof Error ? e.message : String(e)}). Check the network or the download source setting (${sourceSetting}), then try again.`);
  }

  let offset = existing;
  let total: number | undefined;
  if (response.status === 416 && existing > 0) {
    // The partial file already holds everything the server has: verify it.
    await response.body?.cancel();
    total = existing;
  } else if (response.status === 206) {
    offset = existing;
    total = parseContentRangeTotal(response.headers.get('content-range')) ?? existing + contentLength(response);
  } else if (response.ok) {
    // The server ignored the Range request: start again from the beginning.
    offset = 0;
    total = response.headers.has('content-length') ? contentLength(response) : undefined;
  } else {
    await response.body?.cancel();
    if (response.status === 404) {
      throw new DownloadError('notFound', `${capitalised(what)} is not at ${url} (404). Check the download source setting (${sourceSetting}).`, existing > 0);
    }
    throw new DownloadError('server', `The download server answered ${response.status} ${response.statusText} for ${url}. Try again later.`, existing > 0);
  }

  if (response.status !== 416) {
    const remaining = total !== undefined ? total - offset : 0;
    const free = await (options.freeBytes ?? diskFreeBytes)(dirname(dest));
    const needed = remaining + (options.reserveBytes ?? 0);
    if (free < needed) {
      await response.body?.cancel();
      throw new DownloadError('diskFull', `Not enough free disk space for ${what}: ${formatBytes(needed)} needed, ${formatBytes(free)} free in ${dirname(dest)}. Free some space, then try again.`, offset > 0);
    }
    if (response.body === null) {
      throw new DownloadError('server', `The download server sent no data for ${url}.`, offset > 0);
    }
    let received = offset;
    report('downloading', received, total);
    // Each chunk is on disk before the next is read, so an interrupted download keeps every byte it received
    // (a stream pipeline would drop what it had buffered when the connection breaks).
    const file = await open(partial, offset > 0 ? 'a' : 'w');
    try {
      for await (const chunk of chunksOf(response.body)) {
        signal?.throwIfAborted();
        await file.write(chunk);
        received += chunk.length;
        report('downloading', received, total);
      }
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
      if (code === 'ENOSPC') {
        throw new DownloadError('diskFull', `The disk filled up while downloading ${what} (${formatBytes(received)} written). Free some space, then try again: the download resumes.`, true);
      }
      throw failure(e, signal, true, what, `The download from ${hostOf(url)} was interrupted after ${formatBytes(received)} (${e instanceof Error ? e.message : String(e)}). Try again: it resumes where it stopped.`);
    } finally {
      await file.close();
    }
    total ??= received;
  }

  const size = await sizeOf(partial);
  report('verifying', size, total);
  const actual = await fileHash(partial, algorithm, signal).catch((e: unknown) => {
    throw failure(e, signal, true, what, `The downloaded file could not be read back (${e instanceof Error ? e.message : String(e)}).`);
  });
  if (actual !== expected || (total !== undefined && size !== total)) {
    await rm(partial, { force: true });
    throw new DownloadError(
      'hashMismatch',
      `The download of ${what} does not match its published checksum (${algorithm} ${actual}, expected ${expected}; ${formatBytes(size)}). The file was removed; download it again, and if this repeats check the download source.`,
      false,
    );
  }
  await rename(partial, dest);
  report('done', size, size);
  return { path: dest, bytes: size, resumedFromBytes: response.status === 206 || response.status === 416 ? existing : 0 };
}

function failure(e: unknown, signal: AbortSignal | undefined, partialKept: boolean, what: string, message: string): DownloadError {
  if (signal?.aborted === true || (e instanceof Error && e.name === 'AbortError')) {
    return new DownloadError('cancelled', `The download of ${what} was cancelled.${partialKept ? ' The part already downloaded is kept: starting again resumes it.' : ''}`, partialKept);
  }
  return new DownloadError('offline', message, partialKept);
}

async function* chunksOf(body: NonNullable<Response['body']>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function diskFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

async function fileHash(path: string, algorithm: 'sha256' | 'sha512', signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, signal !== undefined ? { signal } : {})) {
    hash.update(chunk);
  }
  return hash.digest('hex');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function contentLength(response: Response): number {
  const n = Number(response.headers.get('content-length'));
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** `bytes 100-199/2000` → 2000. */
export function parseContentRangeTotal(header: string | null): number | undefined {
  const m = header === null ? null : /^bytes\s+\d+-\d+\/(\d+)$/i.exec(header.trim());
  return m === null ? undefined : Number(m[1]);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`;
}
