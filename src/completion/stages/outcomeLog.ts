/**
 * Stage "record": every attempt's outcome goes into the attempt log ("Why No Completion?") and the trace log.
 * Pure: no `vscode` import.
 */
import type { Logger } from '../../util/logger';
import type { AttemptLog, AttemptOutcome, PendingAttempt } from '../attemptLog';
import type { CompletionOutcome, CompletionRequest } from '../types';

/** Records `outcome` of `attempt` (begun at `attempt.at`, ended `now`). */
export function recordOutcome(
  attempts: AttemptLog,
  logger: Logger,
  now: number,
  request: CompletionRequest,
  attempt: PendingAttempt,
  outcome: CompletionOutcome,
  model: string | undefined,
): void {
  const started = attempt.at;
  const base = { id: attempt.id, at: started, durationMs: now - started, documentUri: request.documentUri, languageId: request.languageId, model };
  let kind: AttemptOutcome;
  let detail = '';
  switch (outcome.kind) {
    case 'shown':
      kind = outcome.source === 'cache' ? 'cached' : outcome.source === 'reused' ? 'reused' : 'shown';
      detail = `${outcome.text.split(/\r?\n/).length} line(s)`;
      break;
    case 'skipped':
      kind = 'skipped';
      detail = outcome.message;
      break;
    case 'debounced':
      kind = 'debounced';
      break;
    case 'cancelled':
      kind = 'cancelled';
      break;
    case 'empty':
      kind = 'empty';
      detail = outcome.why;
      break;
    case 'error':
      kind = 'error';
      detail = outcome.error.message;
      attempts.record({ ...base, outcome: kind, detail, errorKind: outcome.error.kind, action: outcome.error.action });
      logger.debug(`completion: error ${outcome.error.kind}`);
      return;
  }
  if (request.reasked === true) {
    detail = `${detail ? `${detail} ` : ''}(the editor had not asked after the keystroke; Tiered asked)`;
  }
  attempts.record({ ...base, outcome: kind, detail });
  logger.trace(`completion: ${kind}${detail ? ` (${detail})` : ''} in ${Math.round(now - started)} ms`);
}
