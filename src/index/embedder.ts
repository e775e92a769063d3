/**
 * What the index needs from an embedding model, and the choice of one: the model the user named, else the first
 * installed model the server marks as an embedding model (or whose name says so).
 * Pure: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';

/** Turns texts into vectors with one model. Rejects on any server failure. */
export interface Embedder {
  readonly model: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

const embeddingName = /embed|bge|e5-|gte|minilm|mxbai|arctic-embed|nomic/i;

/** The embedding model to use: `configured` when installed (or when nothing is listed), else the first that is one. */
export function chooseEmbeddingModel(models: readonly ModelInfo[], configured: string): ModelInfo | undefined {
  if (configured !== '') {
    return models.find((m) => m.name === configured || m.name === `${configured}:latest`);
  }
  return models.find((m) => m.capabilities.embedding) ?? models.find((m) => embeddingName.test(m.name) && !m.capabilities.completion);
}

/** Longest text sent for one chunk: small embedding models take 512 tokens, and the start says most. */
export const maxEmbeddedChars = 2000;
