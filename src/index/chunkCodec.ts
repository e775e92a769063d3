/**
 * The compact form chunk metadata takes on disk (in the log and in the snapshot): `[startLine, endLine, kind,
 * symbols]`, kind `d` (definition) or `l` (lines), symbols joined by `|`.
 * Pure: no `vscode` import.
 */
import { z } from 'zod';
import type { ChunkMeta } from './types';

/** The stored form of one chunk's metadata. */
export const chunkTupleSchema = z.tuple([z.number().int().min(1), z.number().int().min(1), z.enum(['d', 'l']), z.string()]);

/** A chunk's metadata as stored. */
export type ChunkTuple = z.infer<typeof chunkTupleSchema>;

/** Converts chunk metadata to its stored form. */
export function encodeChunk(chunk: ChunkMeta): ChunkTuple {
  return [chunk.startLine, chunk.endLine, chunk.kind === 'definition' ? 'd' : 'l', chunk.symbols.join('|')];
}

/** Converts a stored chunk back (an end line before the start is read as the start). */
export function decodeChunk([startLine, endLine, kind, symbols]: ChunkTuple): ChunkMeta {
  return { startLine, endLine: Math.max(startLine, endLine), kind: kind === 'd' ? 'definition' : 'lines', symbols: symbols === '' ? [] : symbols.split('|') };
}

/** True when `value` is a stored chunk (checked by hand: the log and the snapshot hold tens of thousands). */
export function isChunkTuple(value: unknown): value is ChunkTuple {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    Number.isInteger(value[0]) &&
    value[0] >= 1 &&
    Number.isInteger(value[1]) &&
    value[1] >= 1 &&
    (value[2] === 'd' || value[2] === 'l') &&
    typeof value[3] === 'string'
  );
}
