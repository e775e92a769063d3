/**
 * Per-document state of the pipeline (the generation in flight, the last finished suggestion), in a
 * bounded most-recently-used map: at most one generation per document.
 * Pure: no `vscode` import.
 */
import type { Disposable } from '../../util/clock';
import type { Anchor } from '../reuse';
import type { Generation } from './generation';

/** The last finished suggestion of a document, kept for typed-through reuse. */
export interface LastSuggestion {
  readonly anchor: Anchor;
  readonly text: string;
  readonly model: string;
  readonly display: 'all' | 'firstLine';
  readonly generation?: Generation;
}

/** What the pipeline keeps per document. */
export interface DocumentState {
  /** Incremented by every provider call: a call is current while its number is the newest. */
  seq: number;
  generation: Generation | undefined;
  last: LastSuggestion | undefined;
  graceTimer: Disposable | undefined;
  /**
   * The user just took a whole suggestion (Tab, or word/line accepts or typing to its end) at this clock time:
   * the next suggestion is asked at once.
   */
  tookWholeAt: number | undefined;
}

/** Documents by URI, most recently used last; the oldest is evicted (its generation aborted) past `max`. */
export class DocumentStates {
  private readonly documents = new Map<string, DocumentState>();

  constructor(
    private readonly max: number,
    private readonly evict: (state: DocumentState) => void,
  ) {}

  /** The state of `uri`, created if new, and marked most recently used. */
  get(uri: string): DocumentState {
    let doc = this.documents.get(uri);
    if (doc === undefined) {
      doc = { seq: 0, generation: undefined, last: undefined, graceTimer: undefined, tookWholeAt: undefined };
      this.documents.set(uri, doc);
      if (this.documents.size > this.max) {
        const [oldestUri, oldest] = this.documents.entries().next().value ?? [];
        if (oldestUri !== undefined && oldest !== undefined) {
          this.evict(oldest);
          this.documents.delete(oldestUri);
        }
      }
    } else {
      this.documents.delete(uri);
      this.documents.set(uri, doc);
    }
    return doc;
  }

  /** The state of `uri` if known, without touching the order. */
  peek(uri: string): DocumentState | undefined {
    return this.documents.get(uri);
  }

  values(): IterableIterator<DocumentState> {
    return this.documents.values();
  }

  clear(): void {
    this.documents.clear();
  }
}
