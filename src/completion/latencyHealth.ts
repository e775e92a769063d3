/**
 * How fast the completion model has been answering lately, judged the way users feel it: ghost text is only
 * useful when it appears within about a second of a pause. Peers' users most often give up on a model that is
 * too large for their CPU without ever being told; "Why No Completion?" says so, with the figures.
 * Pure: no `vscode` import.
 */
import { formatMs } from '../util/format';

/** One finished wait for a model's first token. */
interface LatencySample {
  /** Milliseconds from the request to its first token; undefined when it timed out first. */
  readonly firstTokenMs: number | undefined;
}

/** The verdict over the recent requests. */
export type LatencyVerdict =
  | { readonly kind: 'unknown' }
  | {
      readonly kind: 'healthy' | 'slow' | 'timingOut';
      /** Mean time to first token of the requests that got one (NaN when none did). */
      readonly averageMs: number;
      readonly samples: number;
      readonly timeouts: number;
    };

/** Above this mean time to first token, ghost text comes too late to help while typing. */
export const slowFirstTokenMs = 1500;

/** A bounded window of the model's recent times to first token and timeouts. */
export class LatencyHealth {
  private readonly samples: LatencySample[] = [];

  constructor(readonly window = 10) {}

  /** A request got its first token after `ms`. */
  recordFirstToken(ms: number): void {
    this.push({ firstTokenMs: ms });
  }

  /** A request timed out before its first token. */
  recordTimeout(): void {
    this.push({ firstTokenMs: undefined });
  }

  /** Forget everything (the model changed). */
  clear(): void {
    this.samples.length = 0;
  }

  verdict(): LatencyVerdict {
    if (this.samples.length === 0) {
      return { kind: 'unknown' };
    }
    const answered = this.samples.flatMap((s) => (s.firstTokenMs === undefined ? [] : [s.firstTokenMs]));
    const timeouts = this.samples.length - answered.length;
    const averageMs = answered.length === 0 ? Number.NaN : answered.reduce((a, b) => a + b, 0) / answered.length;
    const kind = timeouts * 2 > this.samples.length ? 'timingOut' : averageMs > slowFirstTokenMs ? 'slow' : 'healthy';
    return { kind, averageMs, samples: this.samples.length, timeouts };
  }

  private push(sample: LatencySample): void {
    this.samples.push(sample);
    if (this.samples.length > this.window) {
      this.samples.shift();
    }
  }
}

/** One line on the model's speed for "Why No Completion?", or undefined before any measurement. */
export function describeLatency(verdict: LatencyVerdict, model: string | undefined): string | undefined {
  if (verdict.kind === 'unknown') {
    return undefined;
  }
  const who = model ?? 'The completion model';
  const average = Number.isNaN(verdict.averageMs) ? 'no first token yet' : `first token after ${formatMs(verdict.averageMs)} on average`;
  const timeouts = verdict.timeouts > 0 ? `, ${verdict.timeouts} timed out` : '';
  const judged = verdict.kind === 'healthy' ? 'fast enough' : verdict.kind === 'slow' ? 'slow' : 'timing out';
  return `Model speed: ${who}: ${average} over the last ${verdict.samples} request(s)${timeouts} (${judged}).`;
}

/** What to do about a slow or timing-out model, or undefined when its speed is fine. */
export function latencyAdvice(verdict: LatencyVerdict): string | undefined {
  switch (verdict.kind) {
    case 'slow':
      return `The completion model answers slowly (${formatMs(verdict.averageMs)} to the first token; ghost text helps when it comes within about ${formatMs(slowFirstTokenMs)} of a pause). On a CPU, a smaller code model completes much faster: pick one with Tiered: Choose Completion Model… (setting tiered.completion.model; e.g. qwen2.5-coder:1.5b), or raise tiered.completion.debounceMs to send fewer requests.`;
    case 'timingOut':
      return `Most recent completion requests timed out before the model answered (${verdict.timeouts} of ${verdict.samples}). The model may still be loading, or be too large for this machine: check the model server (Tiered: Check Connection) or pick a smaller completion model with Tiered: Choose Completion Model… (setting tiered.completion.model).`;
    default:
      return undefined;
  }
}
