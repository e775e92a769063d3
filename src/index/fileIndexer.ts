/**
 * Reads one file for the index: whether it changed since it was indexed (size and mtime, then the content's hash),
 * and when it did, its chunks and each chunk's term counts. No index state is touched: the index applies the
 * result. The two steps are apart ({@link loadForIndex}: the disk; {@link chunkForIndex}: the CPU) so a build can
 * read the next file while it chunks this one. Pure: no `vscode` import.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { chunkFile } from './chunker';
import { looksBinary } from './exclusions';
import type { FileMeta } from './indexState';
import type { ChunkSizes } from './lineWindows';
import { countTerms, detach } from './tokenize';
import type { TreeSitterGrammars } from './treeSitter';
import type { ChunkMeta } from './types';

/** Symbol names weigh like this many occurrences in the chunk's text. */
const symbolWeight = 3;

/** What is known of the file from the index (undefined when it is not indexed). */
export interface KnownFile {
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string;
}

/** What reading a file found. */
export type FileReading =
  /** The file is no longer there. */
  | { readonly kind: 'gone' }
  /** Not a file, too large, unreadable or binary: not indexed. */
  | { readonly kind: 'excluded' }
  /** Same size and mtime as indexed. */
  | { readonly kind: 'unchanged' }
  /** Same content under a new size or mtime (a touch, a checkout that restored it). */
  | { readonly kind: 'touched'; readonly size: number; readonly mtimeMs: number }
  /** New or changed content: its chunks and, per chunk, its term counts. */
  | { readonly kind: 'changed'; readonly meta: FileMeta; readonly terms: readonly Map<string, number>[] };

export interface FileReadOptions {
  readonly maxFileBytes: number;
  readonly grammars: TreeSitterGrammars | undefined;
  readonly sizes: ChunkSizes;
}

/** What the disk step found: the file's text when it is new or changed, else the reading it already amounts to. */
export type FileLoad = Exclude<FileReading, { readonly kind: 'changed' }> | { readonly kind: 'read'; readonly size: number; readonly mtimeMs: number; readonly hash: string; readonly text: string };

/**
 * Reads the file at `absolute` (indexed under `key`) against what the index knows of it.
 * @param key the file's key in the index; its words count in every chunk's terms (a question naming the file or
 *   its folder finds it).
 */
export async function readForIndex(key: string, absolute: string, known: KnownFile | undefined, options: FileReadOptions): Promise<FileReading> {
  const load = await loadForIndex(absolute, known, options.maxFileBytes);
  return load.kind === 'read' ? chunkForIndex(key, load, options) : load;
}

/** The disk step: stat, and when size or mtime changed, the bytes and their hash. */
export async function loadForIndex(absolute: string, known: KnownFile | undefined, maxFileBytes: number): Promise<FileLoad> {
  let info;
  try {
    info = await stat(absolute);
  } catch {
    return { kind: 'gone' };
  }
  if (!info.isFile() || info.size > maxFileBytes) {
    return { kind: 'excluded' };
  }
  if (known !== undefined && known.size === info.size && known.mtimeMs === info.mtimeMs) {
    return { kind: 'unchanged' };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch {
    return { kind: 'excluded' };
  }
  if (looksBinary(bytes)) {
    return { kind: 'excluded' };
  }
  const hash = createHash('sha1').update(bytes).digest('hex');
  if (known !== undefined && known.hash === hash) {
    return { kind: 'touched', size: info.size, mtimeMs: info.mtimeMs };
  }
  return { kind: 'read', size: info.size, mtimeMs: info.mtimeMs, hash, text: bytes.toString('utf8') };
}

/** The CPU step: a read file's chunks and their term counts. */
export async function chunkForIndex(key: string, load: Extract<FileLoad, { readonly kind: 'read' }>, options: FileReadOptions): Promise<Extract<FileReading, { readonly kind: 'changed' }>> {
  const chunks = await chunkFile(key, load.text, options.grammars, options.sizes);
  // The path's terms are the same for every chunk: counted once, added to each.
  const pathTerms = countTerms(key);
  const terms = chunks.map((chunk) => {
    const counts = countTerms(chunk.text);
    countTerms(chunk.symbols.join(' '), counts, symbolWeight);
    for (const [term, count] of pathTerms) {
      counts.set(term, (counts.get(term) ?? 0) + count);
    }
    return counts;
  });
  // Symbol names come from the syntax tree as slices of the file's text: detached, so the text is not kept.
  const metas: ChunkMeta[] = chunks.map(({ startLine, endLine, symbols, kind }) => ({ startLine, endLine, symbols: symbols.map(detach), kind }));
  return { kind: 'changed', meta: { size: load.size, mtimeMs: load.mtimeMs, hash: load.hash, chunks: metas }, terms };
}
