/**
 * Stage "wait on a generation": a caller that typed `typed` since the generation's anchor waits on its
 * stream and gets the rest of the suggestion as soon as it serves (a complete first line for a hot streak,
 * complete lines of a slow multiline answer, or the finished text), 'cancelled' when it is gone or
 * superseded, or 'miss' when the stream went another way than the typing (the stream is then aborted).
 * Pure: no `vscode` import.
 */
import { errors } from '../../backend/errors';
import type { Clock } from '../../util/clock';
import { firstLineOf } from '../postprocess';
import { matchTyped } from '../reuse';
import type { CompletionOutcome } from '../types';
import type { Generation } from './generation';

/** What an attached caller got: an outcome, or 'miss' (the generation no longer fits what was typed). */
export type AttachResult = CompletionOutcome | 'miss';

/** What waiting on a generation needs from the orchestrator. */
export interface AttachHooks {
  readonly clock: Clock;
  /** A multiline answer still streaming this long after its first token is shown up to its last complete line. */
  readonly showPartialAfterMs: number;
  /**
   * An answer whose first line is still streaming this long after its first token is shown as far as it got (to
   * its last word boundary); the stream goes on for typed-through reuse. Undefined: only whole lines are shown.
   */
  readonly showPartialLineAfterMs?: number;
  /** The caller is still the newest for its document. */
  isCurrent(): boolean;
  /** Text the generation produced so far was compared with the typing (the agreement estimate learns from it). */
  judge(generation: Generation, text: string, typed: string, finished: boolean): void;
  /** Typed-through reuse served the caller. */
  onReuseHit(): void;
  /** The stream went another way than the typing: abort it. */
  abort(generation: Generation): void;
  /** The last waiter left a generation nobody was shown: abort it after a grace period. */
  orphaned(generation: Generation): void;
}

/** Waits on `generation` for a caller that typed `typed` since its anchor. */
export function attachTo(generation: Generation, typed: string, signal: AbortSignal, hooks: AttachHooks): Promise<AttachResult> {
  generation.waiters++;
  return new Promise<AttachResult>((resolve) => {
    let settled = false;
    const settle = (result: AttachResult): void => {
      if (settled) {
        return;
      }
      settled = true;
      unlisten();
      signal.removeEventListener('abort', check);
      generation.waiters--;
      if (generation.waiters === 0 && generation.state === 'running' && !generation.served) {
        hooks.orphaned(generation);
      }
      resolve(result);
    };
    const check = (): void => {
      if (signal.aborted || !hooks.isCurrent()) {
        settle({ kind: 'cancelled' });
        return;
      }
      if (generation.state === 'aborted') {
        settle(typed === '' ? { kind: 'cancelled' } : 'miss');
        return;
      }
      if (generation.state === 'failed') {
        const error = generation.error ?? errors.aborted();
        settle(error.kind === 'aborted' ? { kind: 'cancelled' } : { kind: 'error', error });
        return;
      }
      const finished = generation.state === 'done';
      const text = finished ? (generation.result?.text ?? '') : generation.partialDocumentText();
      hooks.judge(generation, text, typed, finished);
      const match = matchTyped(text, typed, finished);
      const show = (shownText: string): void => {
        if (typed !== '') {
          hooks.onReuseHit();
        }
        generation.served = true;
        settle({ kind: 'shown', text: shownText, source: typed === '' ? 'model' : 'reused', model: generation.model, metrics: generation.result?.metrics });
      };
      if (generation.context.display === 'firstLine' && (match.kind === 'hit' || (match.kind === 'pending' && text.startsWith(typed)))) {
        // Hot streak: show the first line as soon as it is complete; the stream goes on for the next ones.
        const first = firstLineOf(text.slice(typed.length), finished);
        if (first.complete && first.line.trim() !== '') {
          show(first.line);
          return;
        }
      }
      if (!finished && match.kind === 'pending' && text.startsWith(typed) && generation.firstTokenAt !== undefined) {
        // A slow multiline answer: show its complete lines rather than keep the user waiting.
        const remainder = text.slice(typed.length);
        const lastBreak = remainder.lastIndexOf('\n');
        const lines = lastBreak > 0 ? remainder.slice(0, lastBreak).replace(/\s+$/, '') : '';
        if (lines.trim() !== '' && hooks.clock.now() - generation.firstTokenAt >= hooks.showPartialAfterMs) {
          show(lines);
          return;
        }
      }
      const partialLineAfter = hooks.showPartialLineAfterMs;
      if (!finished && partialLineAfter !== undefined && match.kind === 'pending' && text.startsWith(typed) && generation.firstTokenAt !== undefined) {
        // A long first line (a slow or rambling model): show what is there rather than keep the pause empty.
        const remainder = text.slice(typed.length);
        const words = remainder.replace(/\s*\S*$/, '');
        const shown = /\S/.test(words) ? words : remainder;
        const waited = hooks.clock.now() - generation.firstTokenAt;
        // Right after an accept the user waits on the next suggestion: its first whole words are shown at once.
        const soon = generation.purpose === 'continuation' && /\S/.test(words);
        if (!remainder.includes('\n') && /\S/.test(shown) && (waited >= partialLineAfter || soon)) {
          show(shown);
          return;
        }
      }
      if (match.kind === 'hit') {
        show(match.remainder);
      } else if (match.kind === 'miss') {
        if (finished) {
          settle(typed === '' ? { kind: 'empty', model: generation.model, why: generation.result?.why || 'no text' } : 'miss');
        } else {
          // The stream went another way than the user typed: it is useless now.
          hooks.abort(generation);
          settle('miss');
        }
      }
    };
    const unlisten = generation.listen(check);
    signal.addEventListener('abort', check, { once: true });
    check();
  });
}
