/**
 * Every completion attempt with its outcome, in a bounded ring, and the plain-language explanation that
 * the "Tiered: Why No Completion?" command shows: what happened to the last attempts, and what to fix.
 * Pure: no `vscode` import.
 */
import type { ErrorAction, ErrorKind } from '../backend/errors';
import { describeLatency, latencyAdvice } from './latencyHealth';
import type { LatencyVerdict } from './latencyHealth';

/** The outcome of an attempt as the log records it. */
export type AttemptOutcome = 'skipped' | 'debounced' | 'cancelled' | 'cached' | 'reused' | 'error' | 'empty' | 'shown' | 'accepted';

/** One attempt. */
export interface Attempt {
  readonly id: number;
  /** Clock time (ms) when the attempt started. */
  readonly at: number;
  /** Milliseconds from the provider call to the outcome. */
  readonly durationMs: number;
  readonly documentUri: string;
  readonly languageId: string;
  readonly outcome: AttemptOutcome;
  /** A short sentence: the skip reason, the error message, what post-processing removed… */
  readonly detail: string;
  readonly model?: string;
  readonly errorKind?: ErrorKind;
  readonly action?: ErrorAction;
}

/** Where an attempt still in progress waits. */
export type AttemptStage = 'choosingModel' | 'debouncing' | 'waitingForModel';

/** An attempt that has not ended yet: a hang shows in "Why No Completion?" instead of nothing at all. */
export interface PendingAttempt {
  readonly id: number;
  /** Clock time (ms) when the attempt started. */
  readonly at: number;
  readonly documentUri: string;
  readonly languageId: string;
  stage: AttemptStage;
  model?: string;
}

/** A bounded ring of attempts, newest last, and the attempts still in progress. */
export class AttemptLog {
  private readonly ring: Attempt[] = [];
  private readonly pending = new Map<number, PendingAttempt>();
  private nextId = 1;

  constructor(readonly capacity = 100) {}

  /** Starts an attempt: it shows as in progress until {@link end} (or {@link record} with its id). */
  begin(at: number, documentUri: string, languageId: string): PendingAttempt {
    const entry: PendingAttempt = { id: this.nextId++, at, documentUri, languageId, stage: 'choosingModel' };
    this.pending.set(entry.id, entry);
    if (this.pending.size > this.capacity) {
      // Bounded even if callers never end (a hang is what this is for): forget the oldest.
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) {
        this.pending.delete(oldest);
      }
    }
    return entry;
  }

  /** Ends an attempt begun with {@link begin} without recording an outcome. */
  end(attempt: PendingAttempt): void {
    this.pending.delete(attempt.id);
  }

  /** Attempts begun and not ended yet, oldest first. */
  inFlight(): readonly PendingAttempt[] {
    return [...this.pending.values()];
  }

  /** Records an attempt (ending it if it was begun: pass its id) and returns it with its id. */
  record(attempt: Omit<Attempt, 'id'> & { readonly id?: number }): Attempt {
    const id = attempt.id ?? this.nextId++;
    this.pending.delete(id);
    const entry: Attempt = { ...attempt, id };
    this.ring.push(entry);
    if (this.ring.length > this.capacity) {
      this.ring.shift();
    }
    return entry;
  }

  /** Records that the user accepted the last shown suggestion (the provider's accept command calls it). */
  recordAccepted(at: number, documentUri: string, languageId: string, model?: string): Attempt {
    return this.record({ at, durationMs: 0, documentUri, languageId, outcome: 'accepted', detail: 'The suggestion was accepted.', model });
  }

  /** The most recent attempts, newest last. */
  recent(count = this.capacity): readonly Attempt[] {
    return this.ring.slice(-count);
  }

  get size(): number {
    return this.ring.length;
  }

  clear(): void {
    this.ring.length = 0;
    this.pending.clear();
  }
}

const outcomeLabels: Readonly<Record<AttemptOutcome, string>> = {
  skipped: 'skipped',
  debounced: 'still typing (no request sent)',
  cancelled: 'cancelled (superseded)',
  cached: 'shown from cache',
  reused: 'shown (typed-through reuse)',
  error: 'error',
  empty: 'nothing left after clean-up',
  shown: 'shown',
  accepted: 'accepted',
};

const stageLabels: Readonly<Record<AttemptStage, string>> = {
  choosingModel: 'choosing the completion model',
  debouncing: 'waiting for a pause in typing',
  waitingForModel: "waiting for the model's answer",
};

/** An attempt in progress this long is stuck, not slow. */
const stuckAfterMs = 10_000;

function ago(ms: number): string {
  if (ms < 1000) {
    return `${Math.max(0, Math.round(ms))} ms ago`;
  }
  if (ms < 120_000) {
    return `${(ms / 1000).toFixed(1)} s ago`;
  }
  return `${Math.round(ms / 60_000)} min ago`;
}

function fileName(uri: string): string {
  const slash = uri.lastIndexOf('/');
  return slash >= 0 ? uri.slice(slash + 1) : uri;
}

/** What to do about an attempt's outcome, or undefined when nothing needs fixing. */
export function adviceFor(attempt: Attempt): string | undefined {
  switch (attempt.outcome) {
    case 'error':
      return attempt.detail;
    case 'skipped':
      // A setting the user can change (an exclusion by tiered.context.exclude or .tieredignore is theirs to lift; a built-in one is not).
      if (/tiered\.completion\.|tiered\.context\.exclude|\.tieredignore/.test(attempt.detail)) {
        return attempt.detail;
      }
      return undefined;
    case 'empty':
      return `The model answered, but its text was removed (${attempt.detail}). This is normal now and then; if it happens every time, the model may not be a fill-in-the-middle model: choose a code model (setting tiered.completion.model).`;
    default:
      return undefined;
  }
}

/** What {@link explainAttempts} shows besides the finished attempts. */
export interface ExplainOptions {
  /** Attempts listed at most. Default 10. */
  readonly show?: number;
  /** Attempts still in progress ({@link AttemptLog.inFlight}). */
  readonly inFlight?: readonly PendingAttempt[];
  /** The completion model's recent speed, and its name. */
  readonly latency?: LatencyVerdict;
  readonly model?: string;
  /** Lines about the request policy and the server's busy time (see `describeRequestPolicy`). */
  readonly requestPolicy?: string;
  /** Lines about the repository context of the last prompt (see `describeRepoContext`). */
  readonly repoContext?: readonly string[];
}

/**
 * A human explanation of the last attempts: a line per attempt (newest first), then what to fix.
 * `now` is the clock time to express ages against.
 */
export function explainAttempts(attempts: readonly Attempt[], now: number, options: ExplainOptions = {}): string {
  const { show = 10, inFlight = [], latency = { kind: 'unknown' } } = options;
  const progress = explainInFlight(inFlight, now, show);
  if (attempts.length === 0 && progress.length > 0) {
    return progress.join('\n');
  }
  if (attempts.length === 0) {
    return [
      'No completion has been attempted yet: the editor never asked Tiered for one.',
      'What to check: inline suggestions are on (setting editor.inlineSuggest.enabled), Tiered completions are on (tiered.completion.enabled), and you typed in a file of a language that is not disabled. You can also trigger a completion by hand (Tiered: Trigger Completion).',
    ].join('\n');
  }
  const latest = attempts[attempts.length - 1];
  const lines: string[] = [];
  const shownLast = [...attempts].reverse().find((a) => a.outcome === 'shown' || a.outcome === 'cached' || a.outcome === 'reused' || a.outcome === 'accepted');
  if (latest !== undefined && (latest.outcome === 'shown' || latest.outcome === 'cached' || latest.outcome === 'reused' || latest.outcome === 'accepted')) {
    lines.push(`Completions are working: the last one was ${outcomeLabels[latest.outcome]} ${ago(now - latest.at)}${latest.model ? ` (model ${latest.model})` : ''}.`);
  } else if (latest !== undefined) {
    lines.push(`The last attempt (${ago(now - latest.at)}, ${fileName(latest.documentUri)}): ${outcomeLabels[latest.outcome]}. ${latest.detail}`);
  }
  const speed = describeLatency(latency, options.model);
  if (speed !== undefined) {
    lines.push('', speed);
  }
  if (options.requestPolicy !== undefined && options.requestPolicy !== '') {
    lines.push('', options.requestPolicy);
  }
  if (options.repoContext !== undefined && options.repoContext.length > 0) {
    lines.push('', ...options.repoContext);
  }
  if (progress.length > 0) {
    lines.push('', ...progress);
  }
  const fixes = new Set<string>();
  for (const a of [...attempts].reverse().slice(0, show)) {
    if (shownLast !== undefined && a.at < shownLast.at) {
      break;
    }
    const advice = adviceFor(a);
    if (advice !== undefined) {
      fixes.add(advice);
    }
  }
  const slow = latencyAdvice(latency);
  if (slow !== undefined) {
    fixes.add(slow);
  }
  const recent = attempts.slice(-show);
  if (fixes.size === 0 && recent.length > 0 && recent.every((a) => a.outcome === 'debounced' || a.outcome === 'cancelled')) {
    fixes.add('Every recent attempt was superseded by the next keystroke: completions appear when you pause typing. If you pause and still see nothing, the model may be too slow; try a smaller completion model.');
  }
  lines.push('');
  if (fixes.size === 0) {
    lines.push('Nothing to fix.');
  } else {
    lines.push('What to fix:');
    for (const fix of fixes) {
      lines.push(`- ${fix}`);
    }
  }
  // The list comes last: it is long, and what to fix is what the reader opened the report for.
  lines.push('', 'Last attempts, newest first:');
  for (const a of attempts.slice(-show).reverse()) {
    lines.push(`- ${ago(now - a.at)}: ${fileName(a.documentUri)} (${a.languageId}) — ${outcomeLabels[a.outcome]}${a.model ? ` [${a.model}]` : ''}${a.detail ? `: ${a.detail}` : ''}`);
  }
  return lines.join('\n');
}

/** Lines about the attempts still in progress (none when there are none), with advice for a stuck one. */
function explainInFlight(inFlight: readonly PendingAttempt[], now: number, show: number): string[] {
  if (inFlight.length === 0) {
    return [];
  }
  const lines = ['In progress, newest first:'];
  for (const a of inFlight.slice(-show).reverse()) {
    lines.push(`- started ${ago(now - a.at)}: ${fileName(a.documentUri)} (${a.languageId}) — ${stageLabels[a.stage]}${a.model ? ` [${a.model}]` : ''}`);
  }
  const stuck = inFlight.filter((a) => now - a.at >= stuckAfterMs);
  if (stuck.some((a) => a.stage === 'choosingModel')) {
    lines.push('', 'Tiered has been choosing the completion model for over 10 s: the model server may be slow to list its models. Run "Tiered: Check Connection".');
  } else if (stuck.some((a) => a.stage === 'waitingForModel')) {
    lines.push('', 'The model has not answered for over 10 s: it may be loading into memory, or too large for this machine. Try a smaller completion model: Tiered: Choose Completion Model… (setting tiered.completion.model).');
  }
  return lines;
}
