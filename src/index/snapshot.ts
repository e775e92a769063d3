/**
 * The index's snapshot: everything a restart needs (the file table with chunk metadata, the BM25 postings as flat
 * arrays, the vectors), in one binary file read in one go. The arrays are used in place (views into the bytes read),
 * so loading is a checksum, a JSON parse of the file table and a dictionary of the terms — no per-posting work.
 *
 * The snapshot accelerates the log, it never replaces it: it names the log it was taken from (the id in the log's
 * header) and how many bytes of it it covers, and a restart replays only the log's records after those bytes. A
 * snapshot that is torn, corrupt (its SHA-1 trailer does not match), of another format, or of another log is
 * ignored and the whole log is replayed instead, so nothing is lost.
 *
 * Layout (little-endian): magic `TIDXSNAP`, a header of u32 fields (see {@link headerFields}), the file table as
 * JSON, the terms (UTF-8, one per line), then term offsets (u32), posting documents (i32), document lengths (f32),
 * vectors (f32), posting counts (u16), each section padded to 4 bytes, and the SHA-1 of all of it.
 * Pure: no `vscode` import.
 */
import { createHash } from 'node:crypto';
import type { Bm25Arrays } from './bm25';
import type { ChunkTuple } from './chunkCodec';
import { decodeChunk, encodeChunk, isChunkTuple } from './chunkCodec';
import type { ChunkMeta } from './types';

/** Bump when the layout changes: a snapshot of another version is ignored (the log is replayed). */
export const snapshotVersion = 1;

const magic = Buffer.from('TIDXSNAP', 'latin1');
const headerFields = ['version', 'metaBytes', 'termBytes', 'termCount', 'postingCount', 'docCount', 'vectorDims', 'vectorCount'] as const;
const headerBytes = magic.length + 4 * headerFields.length;
const checksumBytes = 20;

/** One file of the snapshot. Its chunks take the next `chunks.length` document ids, in file-table order. */
export interface SnapshotFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string;
  readonly chunks: readonly ChunkMeta[];
  /** Set when every chunk of the file has a vector of this model (stored in document order). */
  readonly embeddingModel?: string;
}

/** The index as a snapshot holds it. */
export interface IndexSnapshot {
  /** Id of the log the snapshot was taken from. */
  readonly logId: string;
  /** Bytes of that log the snapshot covers: records after them are replayed on top. */
  readonly logBytes: number;
  readonly files: readonly SnapshotFile[];
  readonly bm25: Bm25Arrays;
  /** Vectors of the embedded files' chunks, in document order, `dims` floats each. */
  readonly vectors: { readonly dims: number; readonly data: Float32Array };
}

type FileRow = [string, number, number, string, ChunkTuple[], string | null];
interface Meta {
  readonly logId: string;
  readonly logBytes: number;
  readonly files: FileRow[];
}

/** The file table, checked by hand: a schema library takes several times longer on 60,000 chunk rows. */
function isMeta(value: unknown): value is Meta {
  if (typeof value !== 'object' || value === null || !('logId' in value) || !('logBytes' in value) || !('files' in value)) {
    return false;
  }
  const { logId, logBytes, files } = value;
  return typeof logId === 'string' && Number.isInteger(logBytes) && Array.isArray(files) && files.every(isFileRow);
}

function isFileRow(row: unknown): row is FileRow {
  return (
    Array.isArray(row) &&
    row.length === 6 &&
    typeof row[0] === 'string' &&
    typeof row[1] === 'number' &&
    typeof row[2] === 'number' &&
    typeof row[3] === 'string' &&
    Array.isArray(row[4]) &&
    row[4].every(isChunkTuple) &&
    (row[5] === null || typeof row[5] === 'string')
  );
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Encodes a snapshot, checksum included. */
export function encodeSnapshot(snapshot: IndexSnapshot): Buffer {
  const { bm25, vectors } = snapshot;
  const meta = Buffer.from(
    JSON.stringify({
      logId: snapshot.logId,
      logBytes: snapshot.logBytes,
      files: snapshot.files.map((f) => [f.path, f.size, f.mtimeMs, f.hash, f.chunks.map(encodeChunk), f.embeddingModel ?? null]),
    }),
    'utf8',
  );
  const terms = Buffer.from(bm25.terms.join('\n'), 'utf8');
  const vectorCount = vectors.dims === 0 ? 0 : vectors.data.length / vectors.dims;
  const header = [snapshotVersion, meta.length, terms.length, bm25.terms.length, bm25.docs.length, bm25.lengths.length, vectors.dims, vectorCount];
  const sections: Uint8Array[] = [meta, terms, bytesOf(bm25.offsets), bytesOf(bm25.docs), bytesOf(bm25.lengths), bytesOf(vectors.data), bytesOf(bm25.counts)];
  const body = headerBytes + sections.reduce((sum, s) => sum + pad4(s.length), 0);
  const out = Buffer.alloc(body + checksumBytes);
  magic.copy(out, 0);
  header.forEach((value, i) => out.writeUInt32LE(value, magic.length + 4 * i));
  let at = headerBytes;
  for (const section of sections) {
    out.set(section, at);
    at += pad4(section.length);
  }
  createHash('sha1').update(out.subarray(0, body)).digest().copy(out, body);
  return out;
}

/** Decodes a snapshot; `reason` says why one cannot be used (torn, corrupt, another version, inconsistent). */
export function decodeSnapshot(bytes: Uint8Array): { readonly snapshot: IndexSnapshot } | { readonly reason: string } {
  if (bytes.length < headerBytes + checksumBytes || !magic.equals(bytes.subarray(0, magic.length))) {
    return { reason: 'it is not a snapshot (torn or foreign)' };
  }
  // Typed-array views need aligned offsets: a buffer that does not start on one is copied once.
  const data = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const field = (name: (typeof headerFields)[number]): number => view.getUint32(magic.length + 4 * headerFields.indexOf(name), true);
  if (field('version') !== snapshotVersion) {
    return { reason: `it is of format ${field('version')}, not ${snapshotVersion}` };
  }
  const body = data.length - checksumBytes;
  const expected = createHash('sha1').update(data.subarray(0, body)).digest();
  if (!expected.equals(data.subarray(body))) {
    return { reason: 'its checksum does not match (torn or corrupt)' };
  }
  const termCount = field('termCount');
  const postingCount = field('postingCount');
  const docCount = field('docCount');
  const dims = field('vectorDims');
  const vectorCount = field('vectorCount');
  let at = headerBytes;
  const take = (length: number): number => {
    const start = at;
    at += pad4(length);
    return start;
  };
  const metaAt = take(field('metaBytes'));
  const termsAt = take(field('termBytes'));
  const offsetsAt = take(4 * (termCount + 1));
  const docsAt = take(4 * postingCount);
  const lengthsAt = take(4 * docCount);
  const vectorsAt = take(4 * dims * vectorCount);
  const countsAt = take(2 * postingCount);
  if (at !== body) {
    return { reason: 'its sections do not add up' };
  }
  const text = (start: number, length: number): string => Buffer.from(data.buffer, data.byteOffset + start, length).toString('utf8');
  let meta: unknown;
  try {
    meta = JSON.parse(text(metaAt, field('metaBytes')));
  } catch {
    meta = undefined;
  }
  if (!isMeta(meta)) {
    return { reason: 'its file table is not valid' };
  }
  const terms = termCount === 0 ? [] : text(termsAt, field('termBytes')).split('\n');
  const offsets = new Uint32Array(data.buffer, data.byteOffset + offsetsAt, termCount + 1);
  const docs = new Int32Array(data.buffer, data.byteOffset + docsAt, postingCount);
  const lengths = new Float32Array(data.buffer, data.byteOffset + lengthsAt, docCount);
  const vectors = new Float32Array(data.buffer, data.byteOffset + vectorsAt, dims * vectorCount);
  const counts = new Uint16Array(data.buffer, data.byteOffset + countsAt, postingCount);
  const files: SnapshotFile[] = meta.files.map(([path, size, mtimeMs, hash, chunks, model]) => ({
    path,
    size,
    mtimeMs,
    hash,
    chunks: chunks.map(decodeChunk),
    ...(model === null ? {} : { embeddingModel: model }),
  }));
  const problem = inconsistency(files, terms.length, offsets, docs, docCount, dims, vectorCount);
  if (problem !== undefined) {
    return { reason: problem };
  }
  return { snapshot: { logId: meta.logId, logBytes: meta.logBytes, files, bm25: { terms, offsets, docs, counts, lengths }, vectors: { dims, data: vectors } } };
}

/** What makes decoded arrays unusable (a checksum guards against corruption; this guards against a wrong writer). */
function inconsistency(files: readonly SnapshotFile[], termCount: number, offsets: Uint32Array, docs: Int32Array, docCount: number, dims: number, vectorCount: number): string | undefined {
  if (termCount !== offsets.length - 1 || offsets[0] !== 0 || offsets[termCount] !== docs.length) {
    return 'its term offsets do not match its postings';
  }
  for (let t = 0; t < termCount; t++) {
    if (offsets[t] > offsets[t + 1]) {
      return 'its term offsets do not match its postings';
    }
  }
  for (let i = 0; i < docs.length; i++) {
    if (docs[i] < 0 || docs[i] >= docCount) {
      return 'a posting names a document it does not hold';
    }
  }
  let chunks = 0;
  let embedded = 0;
  for (const file of files) {
    chunks += file.chunks.length;
    embedded += file.embeddingModel === undefined ? 0 : file.chunks.length;
  }
  if (chunks !== docCount || embedded !== vectorCount || (vectorCount > 0 && dims === 0)) {
    return 'its file table does not match its documents';
  }
  return undefined;
}

function bytesOf(array: Uint32Array | Int32Array | Float32Array | Uint16Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
