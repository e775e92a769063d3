/**
 * Chunk embeddings and cosine-similarity search (vectors are normalised on the way in, so similarity is a dot
 * product), plus the base64 form they take in the index file. Brute force: at the sizes a local embedding model can
 * embed in the background, a scan is a few milliseconds and needs no approximate-search structure.
 * Pure: no `vscode` import.
 */
import type { Scored } from './ranked';
import { topK } from './ranked';

/** Returns the vector scaled to unit length (a zero vector stays zero). */
export function normalize(vector: readonly number[] | Float32Array): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (const v of out) {
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) {
    for (let i = 0; i < out.length; i++) {
      out[i] /= norm;
    }
  }
  return out;
}

export class VectorIndex {
  private readonly vectors = new Map<number, Float32Array>();
  private dimensions = 0;

  get size(): number {
    return this.vectors.size;
  }

  /** Stores a document's embedding. A vector of another dimension than the others replaces them all (the model changed). */
  set(doc: number, vector: Float32Array): void {
    if (this.dimensions !== vector.length) {
      this.vectors.clear();
      this.dimensions = vector.length;
    }
    this.vectors.set(doc, vector);
  }

  /** A document's vector, undefined when it has none. */
  get(doc: number): Float32Array | undefined {
    return this.vectors.get(doc);
  }

  has(doc: number): boolean {
    return this.vectors.has(doc);
  }

  delete(doc: number): void {
    this.vectors.delete(doc);
  }

  clear(): void {
    this.vectors.clear();
    this.dimensions = 0;
  }

  /** The `limit` documents most similar to `query` (normalised), best first. */
  search(query: Float32Array, limit: number, accept?: (doc: number) => boolean): Scored[] {
    if (query.length !== this.dimensions) {
      return [];
    }
    const scores: Record<number, number> = {};
    const docs: number[] = [];
    for (const [doc, vector] of this.vectors) {
      if (accept !== undefined && !accept(doc)) {
        continue;
      }
      let dot = 0;
      for (let i = 0; i < vector.length; i++) {
        dot += vector[i] * query[i];
      }
      scores[doc] = dot;
      docs.push(doc);
    }
    return topK(docs, scores, limit);
  }
}

/** A vector as base64 of its float32 bytes (little-endian, as every platform Node runs on). */
export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/** Reverse of {@link encodeVector}; undefined when the text is not a whole number of floats. */
export function decodeVector(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) {
    return undefined;
  }
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer);
}
