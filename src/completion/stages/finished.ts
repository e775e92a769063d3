/**
 * Stages "typed-through reuse" and "cache": suggestions already finished. The rest of the document's last
 * suggestion while the user types through it (and the note that the whole of it was taken, so that the next
 * request goes out at once), and a cached completion for this very position.
 * Pure: no `vscode` import.
 */
import type { CompletionCache } from '../cache';
import type { PipelineStats, ResolvedPipelineOptions } from '../pipelineTypes';
import type { Settings } from '../../settings/schema';
import type { UsablePlan } from './prompt';
import { firstLineOf, postprocessContext, toDocumentForm } from '../postprocess';
import type { PostprocessContext } from '../postprocess';
import { anchorAt, matchTyped, typedSince } from '../reuse';
import type { CompletionOutcome, CompletionRequest } from '../types';
import type { DocumentState } from './documents';
import type { RequestPolicy } from './requestPolicy';

/** What the finished-suggestion stages use. */
export interface FinishedDeps {
  readonly policy: Pick<RequestPolicy, 'judge'>;
  readonly stats: PipelineStats;
  readonly cache: CompletionCache;
  readonly useReuse: boolean;
  readonly useCache: boolean;
  now(): number;
}

/** Stage 3: the rest of a finished suggestion the user is typing through, or undefined. */
export function reuseFinished(deps: FinishedDeps, doc: DocumentState, request: CompletionRequest): CompletionOutcome | undefined {
  const last = doc.last;
  if (last === undefined || !deps.useReuse) {
    return undefined;
  }
  const typed = typedSince(last.anchor, request.documentUri, request.text, request.offset);
  if (typed !== undefined && last.generation !== undefined) {
    deps.policy.judge(last.generation, last.text, typed, true);
  }
  const match = typed === undefined ? undefined : matchTyped(last.text, typed, true);
  if (typed !== undefined && typed !== '' && match?.kind === 'miss' && last.text.startsWith(typed)) {
    // The whole suggestion taken (accepted, or typed to its end): ask for what follows at once.
    doc.tookWholeAt = deps.now();
  }
  if (match?.kind === 'hit') {
    deps.stats.reuseHits++;
    const text = last.display === 'firstLine' ? firstLineOf(match.remainder, true).line : match.remainder;
    return { kind: 'shown', text, source: 'reused', model: last.model };
  }
  doc.last = undefined;
  return undefined;
}

/** Stage 5: a finished completion for this very position, or undefined. */
export function fromCache(deps: FinishedDeps, doc: DocumentState, request: CompletionRequest, cacheKey: string, context: PostprocessContext, model: string): CompletionOutcome | undefined {
  const cached = deps.useCache ? deps.cache.get(cacheKey) : undefined;
  if (cached === undefined) {
    return undefined;
  }
  deps.stats.cacheHits++;
  if (cached === '') {
    return { kind: 'empty', model, why: 'cached: nothing to suggest here' };
  }
  const text = toDocumentForm(cached, request.indent, request.lineEnding);
  doc.last = { anchor: anchorAt(request.documentUri, request.text, request.offset), text, model, display: context.display };
  const shownText = context.display === 'firstLine' ? firstLineOf(text, true).line : text;
  return { kind: 'shown', text: shownText, source: 'cache', model };
}

/** How a suggestion for this position is post-processed and shown (line or block, hot streak, line limits). */
export function suggestionContext(request: CompletionRequest, settings: Settings, plan: UsablePlan, options: Pick<ResolvedPipelineOptions, 'maxLines' | 'useReuse' | 'hotStreakLines'>): PostprocessContext {
  return postprocessContext(request.text, request.offset, {
    languageId: request.languageId,
    multiline: settings['completion.multiline'],
    family: plan.family,
    indent: request.indent,
    lineEnding: request.lineEnding,
    maxLines: options.maxLines,
    hotStreakLines: options.useReuse ? options.hotStreakLines : 0,
  });
}
