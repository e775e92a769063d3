/**
 * Stage "in flight": a keystroke finds the document's generation still running. Attach to it when the typing
 * agrees with what it produced so far (before its first token, when the request policy bets it will), and
 * serve the rest of it; otherwise abort it, and the later stages ask anew.
 * Pure: no `vscode` import.
 */
import type { Settings } from '../../settings/schema';
import type { PendingAttempt } from '../attemptLog';
import type { PipelineStats } from '../pipelineTypes';
import { matchTyped, typedSince } from '../reuse';
import type { CompletionOutcome, CompletionRequest } from '../types';
import type { DocumentState } from './documents';
import type { RequestPolicy } from './requestPolicy';
import type { ServerGenerations } from './serverGenerations';

/** What the in-flight stage uses. */
export interface InFlightDeps {
  readonly policy: Pick<RequestPolicy, 'judge' | 'keepWhilePending'>;
  readonly server: Pick<ServerGenerations, 'abortDocument' | 'attach'>;
  readonly stats: PipelineStats;
  readonly useReuse: boolean;
}

/**
 * Stage 2: the outcome of attaching to the running generation, or undefined to go on to the next stages (none
 * running, or it was aborted as no longer fitting the typing).
 */
export async function followInFlight(
  deps: InFlightDeps,
  doc: DocumentState,
  request: CompletionRequest,
  settings: Settings,
  signal: AbortSignal,
  attempt: PendingAttempt,
  isCurrent: () => boolean,
): Promise<{ readonly outcome: CompletionOutcome; readonly model: string } | undefined> {
  const running = doc.generation?.state === 'running' ? doc.generation : undefined;
  if (running === undefined) {
    return undefined;
  }
  const typed = typedSince(running.anchor, request.documentUri, request.text, request.offset);
  const partial = running.partialDocumentText();
  const match = typed === undefined ? 'miss' : matchTyped(partial, typed, false).kind;
  if (typed !== undefined) {
    deps.policy.judge(running, partial, typed, false);
  }
  // Before the first token nobody knows whether the typing agrees with the answer.
  const waitingForFirstToken = running.firstTokenAt === undefined && typed !== '';
  const keep = deps.useReuse && typed !== undefined && match === 'pending' && (!waitingForFirstToken || deps.policy.keepWhilePending(running, request, settings));
  if (!keep) {
    deps.server.abortDocument(doc);
    return undefined;
  }
  if (waitingForFirstToken) {
    deps.stats.keptPending++;
  }
  deps.stats.attachedToStream++;
  attempt.stage = 'waitingForModel';
  attempt.model = running.model;
  const result = await deps.server.attach(running, typed, signal, doc, isCurrent);
  return result === 'miss' ? undefined : { outcome: result, model: running.model };
}
