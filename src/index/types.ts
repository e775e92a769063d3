/**
 * The workspace index's shared shapes: chunks of code with where they come from, and search hits.
 * Pure: no `vscode` import.
 */

/** What kind of code a chunk holds: a definition found by the syntax tree, or a window of lines. */
export type ChunkKind = 'definition' | 'lines';

/** A piece of a file, about 300–600 tokens, that retrieval returns. Text is not kept: it is read back on demand. */
export interface ChunkMeta {
  /** First line, 1-based, inclusive. */
  readonly startLine: number;
  /** Last line, 1-based, inclusive. */
  readonly endLine: number;
  /** Names of the definitions the chunk holds (function, class, method…), outermost first; may be empty. */
  readonly symbols: readonly string[];
  readonly kind: ChunkKind;
}

/** A chunk with its text, as the chunker returns it. */
export interface Chunk extends ChunkMeta {
  readonly text: string;
}

/** A chunk of a given file, as retrieval returns it. */
export interface ChunkRef extends ChunkMeta {
  /** Path relative to the workspace root, with `/` separators. */
  readonly path: string;
}

/** One retrieval result. */
export interface SearchHit extends ChunkRef {
  /** Fused score (reciprocal rank fusion), higher is better. */
  readonly score: number;
  /** Which rankers found it. */
  readonly via: readonly ('lexical' | 'vector')[];
}

/** Everything the index keeps about one file. */
export interface FileRecord {
  /** Relative path with `/` separators. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** SHA-1 of the content, hex. */
  readonly hash: string;
  readonly chunks: readonly ChunkMeta[];
  /** Per chunk, its terms and their counts, in the compact form of {@link encodeTerms}. */
  readonly terms: readonly string[];
}

/** The index's state, for the status bar and the status command. */
export interface IndexStatus {
  readonly files: number;
  readonly chunks: number;
  readonly embeddedChunks: number;
  /** The embedding model in use, undefined when lexical only. */
  readonly embeddingModel: string | undefined;
  /** Epoch ms of the last change to the index, undefined before any. */
  readonly lastUpdated: number | undefined;
}

/** What a build did. */
export interface BuildSummary {
  readonly scanned: number;
  readonly indexed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly excluded: number;
}

/** Progress of a build: files looked at out of files found. */
export type ProgressListener = (done: number, total: number) => void;

/** How one file's update went. */
export type UpdateOutcome = 'indexed' | 'unchanged' | 'removed' | 'excluded';

/** What a restart loaded. */
export interface LoadSummary {
  readonly files: number;
  /** Log lines dropped: a torn last record, or lines that were not valid records. */
  readonly dropped: number;
  /** True when it started from the snapshot (and replayed only the log records after it). */
  readonly fromSnapshot: boolean;
}
