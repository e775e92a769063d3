/**
 * Extracts an npm package tarball (gzip-compressed ustar, files under `package/`) into a folder, streaming: a GPU
 * build is 70–360 MB unpacked, so no file is held in memory whole. Only regular files and folders are written;
 * links, devices and any path that would leave the folder (absolute, `..`) are refused. Pure: no `vscode`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';

export interface ExtractResult {
  /** Regular files written. */
  readonly files: number;
  readonly bytes: number;
}

/** A tar entry header's fields that matter here. */
interface Header {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

const BLOCK = 512;

/**
 * Extracts `tgzPath` into `destDir`, dropping the first `stripComponents` path parts (npm's `package/`).
 * Throws on a corrupt archive or an unsafe entry; what was written so far stays (the caller extracts into a
 * temporary folder and removes it on failure).
 */
export async function extractTarGz(tgzPath: string, destDir: string, options: { stripComponents?: number; signal?: AbortSignal } = {}): Promise<ExtractResult> {
  const strip = options.stripComponents ?? 1;
  const root = resolve(destDir);
  await mkdir(root, { recursive: true });
  let buffer: Buffer = Buffer.alloc(0);
  let current: { remaining: number; padding: number; out: WriteStream | undefined } | undefined;
  let longName: string | undefined;
  let paxPath: string | undefined;
  let meta: { remaining: number; padding: number; kind: 'longName' | 'pax' } | undefined;
  let files = 0;
  let bytes = 0;
  let ended = false;

  const stream = createReadStream(tgzPath, options.signal !== undefined ? { signal: options.signal } : {}).pipe(createGunzip());
  try {
    for await (const chunk of stream) {
      if (!Buffer.isBuffer(chunk)) {
        throw new Error('unexpected chunk type from gunzip');
      }
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (current !== undefined) {
          // File data: write what has arrived, then skip the padding to the next block.
          if (current.remaining > 0) {
            if (buffer.length === 0) {
              break;
            }
            const piece = buffer.subarray(0, Math.min(buffer.length, current.remaining));
            buffer = buffer.subarray(piece.length);
            current.remaining -= piece.length;
            bytes += piece.length;
            if (current.out !== undefined && !current.out.write(piece)) {
              const out = current.out;
              await new Promise<void>((resolveDrain) => out.once('drain', resolveDrain));
            }
            continue;
          }
          if (buffer.length < current.padding) {
            break;
          }
          buffer = buffer.subarray(current.padding);
          await closeStream(current.out);
          current = undefined;
          continue;
        }
        if (meta !== undefined) {
          const need = meta.remaining + meta.padding;
          if (buffer.length < need) {
            break;
          }
          const data = buffer.subarray(0, meta.remaining);
          buffer = buffer.subarray(need);
          if (meta.kind === 'longName') {
            longName = data.toString('utf8').replace(/\0.*$/s, '');
          } else {
            paxPath = parsePaxPath(data) ?? paxPath;
          }
          meta = undefined;
          continue;
        }
        if (ended || buffer.length < BLOCK) {
          break;
        }
        const block = buffer.subarray(0, BLOCK);
        buffer = buffer.subarray(BLOCK);
        if (block.every((b) => b === 0)) {
          // End of archive (two zero blocks; the rest is padding).
          ended = true;
          break;
        }
        const header = parseHeader(block);
        const padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
        if (header.type === 'L' || header.type === 'x') {
          meta = { remaining: header.size, padding, kind: header.type === 'L' ? 'longName' : 'pax' };
          continue;
        }
        const name = paxPath ?? longName ?? header.name;
        longName = undefined;
        paxPath = undefined;
        if (header.type === 'g') {
          // A global pax header: nothing here needs it.
          current = { remaining: header.size, padding, out: undefined };
          continue;
        }
        const target = safeTarget(root, name, strip);
        if (header.type === '5') {
          if (target !== undefined) {
            await mkdir(target, { recursive: true });
          }
          current = { remaining: header.size, padding, out: undefined };
          continue;
        }
        if (header.type !== '0' && header.type !== '\0' && header.type !== '7') {
          throw new Error(`the archive holds an entry of type '${header.type}' (${name}), which is not a regular file: refused`);
        }
        let out: WriteStream | undefined;
        if (target !== undefined) {
          await mkdir(dirname(target), { recursive: true });
          out = createWriteStream(target);
          files++;
        }
        current = { remaining: header.size, padding, out };
        if (header.size === 0) {
          // Nothing to wait for: close at once (padding is 0 too).
          await closeStream(out);
          current = undefined;
        }
      }
      if (ended) {
        break;
      }
    }
  } finally {
    await closeStream(current?.out);
  }
  if (!ended && (current !== undefined || meta !== undefined || buffer.length > 0)) {
    throw new Error('the archive is truncated');
  }
  return { files, bytes };
}

function parseHeader(block: Buffer): Header {
  const field = (start: number, length: number): string => block.toString('utf8', start, start + length).replace(/\0.*$/s, '');
  const checksum = parseOctal(field(148, 8));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : block[i] ?? 0;
  }
  if (checksum !== sum) {
    throw new Error('the archive is corrupt (a header checksum does not match)');
  }
  const name = field(0, 100);
  const prefix = field(257, 6).startsWith('ustar') ? field(345, 155) : '';
  return { name: prefix !== '' ? `${prefix}/${name}` : name, size: parseOctal(field(124, 12)), type: field(156, 1) === '' ? '\0' : field(156, 1) };
}

function parseOctal(text: string): number {
  const trimmed = text.trim();
  const n = trimmed === '' ? 0 : Number.parseInt(trimmed, 8);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`the archive is corrupt (bad number '${text}')`);
  }
  return n;
}

/** `path=` of a pax extended header (records `<len> <key>=<value>\n`). */
function parsePaxPath(data: Buffer): string | undefined {
  for (const record of data.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/s.exec(record);
    if (m !== null) {
      return m[1];
    }
  }
  return undefined;
}

/** Where an entry goes under `root`, or undefined when nothing is left after stripping; throws if it would leave root. */
function safeTarget(root: string, name: string, strip: number): string | undefined {
  const parts = name.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || parts.includes('..')) {
    throw new Error(`the archive holds an unsafe path (${name}): refused`);
  }
  const kept = parts.slice(strip);
  if (kept.length === 0) {
    return undefined;
  }
  const target = resolve(join(root, ...kept));
  if (!target.startsWith(root + sep)) {
    throw new Error(`the archive holds an unsafe path (${name}): refused`);
  }
  return target;
}

async function closeStream(out: WriteStream | undefined): Promise<void> {
  if (out === undefined || out.closed) {
    return;
  }
  await new Promise<void>((resolveClose, reject) => {
    out.once('error', reject);
    out.end(() => resolveClose());
  });
}
