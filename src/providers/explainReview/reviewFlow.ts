import * as vscode from 'vscode';
import { isTieredError } from '../../backend/errors';
import { layoutPrompt } from '../../context/layout';
import { reviewItems } from '../../review/prompts';
import { outcomeSummary } from '../../review/representation';
import { runReview } from '../../review/runReview';
import { featureRouteInput } from '../../routing/featureRoutes';
import type { ReviewOutcome } from '../../review/runReview';
import type { Services } from '../services';
import type { FindingsPanel } from './findingsPanel';
import { gatherContext } from './gatherContext';
import { badgeText, routeRequest, showError, sizeRequest, streamChat } from './modelCall';
import type { ReviewStore } from './reviewStore';
import type { CodeTarget } from './target';

/** What a review produced (the command returns it; tests read it). */
export interface ReviewReport {
  readonly uri: string;
  readonly outcome: ReviewOutcome['kind'] | 'cancelled' | 'failed';
  readonly tier: string;
  readonly model: string;
  /** Grounded findings now shown in the Problems panel. */
  readonly findings: number;
  readonly dropped: number;
  readonly relocated: number;
  readonly attempts: number;
  readonly summary: string;
  readonly notes: readonly string[];
}

/** Review answers are long (several findings with code): at least this many tokens are reserved for one. */
const reviewAnswerReserve = 2048;

function lineSpan(target: CodeTarget): string {
  const first = target.code.startLine;
  const last = first + target.code.text.split('\n').length - 1;
  return first === last ? `line ${first}` : `lines ${first}-${last}`;
}

/**
 * Reviews a target: context from the providers, routed as a review (which the router treats as careful work),
 * structured output validated with zod (one repair retry, text-format fallback), the grounding check, then
 * diagnostics with quick fixes and the findings list.
 */
export async function runReviewFlow(services: Services, store: ReviewStore, panel: FindingsPanel, target: CodeTarget): Promise<ReviewReport | undefined> {
  // A sensitive file is sent only when the user says so, for this request.
  if (!(await services.sensitiveFiles.confirm(target.document.uri, 'Send this code to the model to review it anyway', 'Send Anyway'))) {
    return undefined;
  }
  const context = await gatherContext(target, (uri) => services.sensitiveFiles.check(uri));
  const lines = target.code.text.split('\n').length;
  const routed = await routeRequest(
    services,
    featureRouteInput('review', { lines, chars: target.code.text.length, languageId: target.code.languageId, fileCount: context.fileCount }),
  );
  if (isTieredError(routed)) {
    showError(services, 'Review', routed);
    return undefined;
  }
  const { budget, counter } = await sizeRequest(services, routed, reviewItems(target.code, context.snippets, 'json'), reviewAnswerReserve);
  const where = `${target.code.path} ${lineSpan(target)}`;
  const base = { uri: target.document.uri.toString(), tier: routed.decision.tier, model: routed.decision.model };
  services.logger.info(`Review ${where}: ${badgeText(routed)}; ${routed.decision.reasons.join('; ')}; num_ctx ${budget.numCtx}.`);

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tiered: reviewing ${where} with ${routed.decision.model}`, cancellable: true },
    async (progress, token): Promise<ReviewReport> => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      let outcome: ReviewOutcome;
      try {
        outcome = await runReview({
          code: target.code,
          snippets: context.snippets,
          mode: 'json',
          layout: (items, render) => layoutPrompt(items, budget.promptBudget, counter, { render }),
          chat: async (messages, format) => {
            let received = 0;
            const result = await streamChat(services, routed, {
              messages,
              budget,
              signal: abort.signal,
              temperature: 0.1,
              ...(format !== undefined ? { format } : {}),
              onToken: () => {
                received++;
                if (received % 20 === 0) {
                  progress.report({ message: `${received} tokens…` });
                }
              },
            });
            return result.text;
          },
        });
      } catch (error) {
        const cancelled = abort.signal.aborted || isTieredError(error, 'aborted');
        if (!cancelled) {
          showError(services, 'Review', error);
        }
        return { ...base, outcome: cancelled ? 'cancelled' : 'failed', findings: 0, dropped: 0, relocated: 0, attempts: 0, summary: cancelled ? 'Review cancelled.' : String(error), notes: [] };
      } finally {
        cancel.dispose();
      }

      const summary = outcomeSummary(outcome, where);
      const notes = [...(target.code.note !== undefined ? [target.code.note] : []), ...(context.withheld !== undefined ? [context.withheld] : []), ...(context.missing !== undefined ? [context.missing] : []), ...outcome.notes];
      const grounded = outcome.kind === 'review' ? outcome.grounding.findings : [];
      store.set(target.document, target.range, target.code.text, grounded, {
        uri: target.document.uri,
        where,
        badge: badgeText(routed),
        reasons: routed.decision.reasons,
        summary,
        modelSummary: outcome.kind === 'review' ? outcome.summary : '',
        notes,
        outcome: outcome.kind,
      });
      if (outcome.kind === 'review') {
        for (const d of outcome.grounding.dropped) {
          services.logger.info(`Review ${where}: dropped an ungrounded finding (${d.reason}): ${d.finding.category} at lines ${d.finding.startLine}-${d.finding.endLine}: ${JSON.stringify(d.finding.quote.slice(0, 200))}`);
        }
      } else if (outcome.kind === 'invalid') {
        services.logger.warn(`Review ${where}: invalid answer after ${outcome.attempts} attempts: ${outcome.problems.join('; ')}. Last answer: ${outcome.lastAnswer.slice(0, 500)}`);
      }
      panel.show(target.document.uri);
      const show = outcome.kind === 'review' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(`Tiered: ${summary}`);
      return {
        ...base,
        outcome: outcome.kind,
        findings: grounded.length,
        dropped: outcome.kind === 'review' ? outcome.grounding.dropped.length : 0,
        relocated: outcome.kind === 'review' ? outcome.grounding.relocated : 0,
        attempts: outcome.attempts,
        summary,
        notes,
      };
    },
  );
}
