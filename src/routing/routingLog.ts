/**
 * A bounded ring buffer of recent routing decisions and how they turned out, for "Show Routing Log".
 * Pure: no `vscode` import.
 */
import type { RequestMetrics } from '../backend/types';
import type { RouteDecision, RouteInput } from './types';
import { Emitter } from '../util/emitter';
import type { Event } from '../util/emitter';

/** How a routed request ended. */
export interface RoutingOutcome {
  readonly status: 'ok' | 'failed' | 'cancelled' | 'retried';
  readonly metrics?: RequestMetrics;
  /** Error message when it failed. */
  readonly error?: string;
}

/** The request as logged: the text is shortened so the log stays small. */
export interface LoggedInput extends Omit<RouteInput, 'text'> {
  readonly text: string;
  /** Length of the full text. */
  readonly textLength: number;
}

/** One logged decision. */
export interface RoutingLogEntry {
  readonly id: number;
  /** Milliseconds since the epoch (from the log's clock). */
  readonly at: number;
  readonly input: LoggedInput;
  readonly decision: RouteDecision;
  readonly outcome: RoutingOutcome | undefined;
}

/** Options of {@link RoutingLog}. */
export interface RoutingLogOptions {
  /** How many entries to keep (default 200). */
  readonly capacity?: number;
  /** Longest text kept per entry (default 200 characters). */
  readonly maxTextChars?: number;
  /** Wall-clock time for timestamps (default `Date.now`). */
  readonly now?: () => number;
}

/** Recent routing decisions, oldest dropped first. */
export class RoutingLog {
  private readonly capacity: number;
  private readonly maxTextChars: number;
  private readonly now: () => number;
  private readonly buffer: (RoutingLogEntry | undefined)[];
  private next = 0;
  private count = 0;
  private nextId = 1;
  private readonly changed = new Emitter<void>();
  /** Fires after an entry is added, gets its outcome, or the log is cleared (e.g. for a "generating" indicator). */
  readonly onDidChange: Event<void> = this.changed.event;

  constructor(options: RoutingLogOptions = {}) {
    this.capacity = Math.max(1, Math.floor(options.capacity ?? 200));
    this.maxTextChars = Math.max(0, Math.floor(options.maxTextChars ?? 200));
    this.now = options.now ?? Date.now;
    this.buffer = new Array<RoutingLogEntry | undefined>(this.capacity).fill(undefined);
  }

  /** Log a decision; returns its id for {@link setOutcome}. */
  add(input: RouteInput, decision: RouteDecision): number {
    const id = this.nextId++;
    const text = input.text.length > this.maxTextChars ? `${input.text.slice(0, this.maxTextChars)}…` : input.text;
    this.buffer[this.next] = { id, at: this.now(), input: { ...input, text, textLength: input.text.length }, decision, outcome: undefined };
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.capacity, this.count + 1);
    this.changed.fire();
    return id;
  }

  /** Record how the request ended. Returns false when the entry has already left the buffer. */
  setOutcome(id: number, outcome: RoutingOutcome): boolean {
    for (let i = 0; i < this.capacity; i++) {
      const e = this.buffer[i];
      if (e !== undefined && e.id === id) {
        this.buffer[i] = { ...e, outcome };
        this.changed.fire();
        return true;
      }
    }
    return false;
  }

  /** Entries, oldest first. */
  entries(): readonly RoutingLogEntry[] {
    const out: RoutingLogEntry[] = [];
    const start = this.count < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.count; i++) {
      const e = this.buffer[(start + i) % this.capacity];
      if (e !== undefined) {
        out.push(e);
      }
    }
    return out;
  }

  clear(): void {
    this.buffer.fill(undefined);
    this.next = 0;
    this.count = 0;
    this.changed.fire();
  }
}

/** A few lines of plain text for one entry, for an output channel or a quick pick's detail. */
export function formatRoutingLogEntry(entry: RoutingLogEntry): string {
  const d = entry.decision;
  const head =
    d.kind === 'routed'
      ? `#${entry.id} ${entry.input.task} → ${d.tier} · ${d.model} @ ${d.endpointId} (confidence ${d.confidence.toFixed(2)}${d.fallback ? ', fallback' : ''})`
      : `#${entry.id} ${entry.input.task} → no usable model (wanted ${d.tier}): ${d.suggestion}`;
  const lines = [head];
  if (entry.input.text !== '') {
    lines.push(`  asked: ${JSON.stringify(entry.input.text)}`);
  }
  for (const r of d.reasons) {
    lines.push(`  - ${r}`);
  }
  const o = entry.outcome;
  if (o !== undefined) {
    const figures = o.metrics !== undefined ? ` (${Math.round(o.metrics.totalMs)} ms, ${o.metrics.tokensPerSecond.toFixed(1)} tok/s)` : '';
    lines.push(`  outcome: ${o.status}${figures}${o.error !== undefined ? `: ${o.error}` : ''}`);
  }
  return lines.join('\n');
}
