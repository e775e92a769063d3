/**
 * The small-model classifier for borderline requests: when the heuristic classifier is unsure (see
 * {@link isBorderline}), the small tier's model is asked which tier the request needs, with a short prompt, a
 * tight token limit, a timeout and the caller's cancellation. Any failure (timeout, error, an answer that names no
 * tier) means "no verdict": the router keeps the heuristic's choice. Pure: no `vscode` import, no I/O of its own
 * (the model call is passed in).
 */
import type { ChatMessage } from '../backend/types';
import type { Tier } from '../settings/schema';
import type { BorderlineClassifier, Classification } from './classify';
import { classify, isBorderline } from './classify';
import type { ClassifierVerdict, RouteInput, RouterEnvironment } from './types';

/** One call to the classifier model: the messages in, the answer's text out. Rejects or honours `signal` on abort. */
export type ClassifierModelCall = (request: {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly signal: AbortSignal;
}) => Promise<string>;

/** How long the router waits for the small model before routing by the heuristic alone. */
export const classifierTimeoutMs = 1500;
/** The answer is one word; a few tokens leave room for a leading space or a full stop. */
export const classifierMaxTokens = 4;
/** Longest request text the prompt quotes: the start says what is asked, and a long prompt would cost time. */
export const classifierMaxQuoteChars = 1200;

const systemPrompt = [
  'You route requests of a coding assistant to one of three model tiers. Answer with one word: small, code or moe.',
  'small: a quick question, a definition, a short lookup, a one-line change.',
  'code: writing, fixing, refactoring, explaining or reviewing ordinary code.',
  'moe: hard problems: architecture and design trade-offs, distributed systems, concurrency, security, performance or',
  'memory diagnosis in production, large code or many files.',
].join('\n');

/** The prompt: the request (its start), what the heuristic measured, and the two tiers it hesitated between. */
export function classifierMessages(request: Parameters<BorderlineClassifier>[0]): ChatMessage[] {
  const f = request.features;
  const quoted = request.text.length > classifierMaxQuoteChars ? `${request.text.slice(0, classifierMaxQuoteChars)} […]` : request.text;
  const facts = [
    `task: ${request.task}`,
    `code attached: ${f.codeLines} line${f.codeLines === 1 ? '' : 's'}${f.fileCount > 1 ? ` in ${f.fileCount} files` : ''}`,
    ...(f.hasStackTrace ? ['a stack trace is included'] : []),
    ...(request.runnerUp !== undefined ? [`likely tiers: ${request.heuristic} or ${request.runnerUp}`] : []),
  ];
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: `Request:\n"""\n${quoted}\n"""\n${facts.join('\n')}\n\nTier (small, code or moe):` },
  ];
}

/**
 * The tier an answer names, or undefined for anything else (gibberish, a refusal, two tiers). Reads the first
 * word, so "Code." and " moe\n" count; "large" is read as moe, the name users know the top tier by.
 */
export function parseTierAnswer(text: string): Tier | undefined {
  // Thinking models may wrap their reasoning in <think>…</think> before the answer.
  const answer = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim().toLowerCase();
  const first = /^[*_`"'\s]*([a-z]+)/.exec(answer)?.[1];
  switch (first) {
    case 'small':
      return 'small';
    case 'code':
      return 'code';
    case 'moe':
    case 'large':
      return 'moe';
    default:
      return undefined;
  }
}

/** Options of {@link smallModelClassifier}. */
export interface SmallModelClassifierOptions {
  readonly timeoutMs?: number;
  readonly maxTokens?: number;
}

/**
 * A {@link BorderlineClassifier} backed by a model call. Resolves to undefined (never rejects) on a timeout, an
 * abort, an error or an answer that names no tier.
 */
export function smallModelClassifier(call: ClassifierModelCall, options: SmallModelClassifierOptions = {}): BorderlineClassifier {
  const timeoutMs = options.timeoutMs ?? classifierTimeoutMs;
  const maxTokens = options.maxTokens ?? classifierMaxTokens;
  return async (request, signal) => {
    if (signal?.aborted === true) {
      return undefined;
    }
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    // The race ends the wait even when a call ignores its signal; the call is still aborted.
    const stopped = new Promise<undefined>((resolve) => abort.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    try {
      const answer = await Promise.race([call({ messages: classifierMessages(request), maxTokens, signal: abort.signal }), stopped]);
      return answer === undefined ? undefined : parseTierAnswer(answer);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      abort.abort();
    }
  };
}

/** Whether the router would reach its classifier stage for this input: no override, pin or saved-prompt hint. */
export function reachesClassifier(input: RouteInput, env: Pick<RouterEnvironment, 'pins'>): boolean {
  const hinted = (input.tierHint !== undefined && input.tierHint !== 'auto') || (input.modelHint ?? '').trim() !== '';
  const overridden = input.override?.tier !== undefined || (input.override?.model ?? '').trim() !== '';
  const pinned = (env.pins[input.task] ?? '').trim() !== '';
  return input.task !== 'inlineCompletion' && !hinted && !overridden && !pinned && input.classifierVerdict === undefined;
}

/** What {@link adviseBorderline} did, for logs and the benchmark. */
export interface BorderlineAdvice {
  /** The input to route: the original one, plus `classifierVerdict` when the model named a tier. */
  readonly input: RouteInput;
  /** Whether the model was asked (the heuristic was unsure and the classifier stage would decide). */
  readonly asked: boolean;
  readonly heuristic: Classification | undefined;
  readonly verdict: Tier | undefined;
}

/**
 * Asks `classifier` about a request when the heuristic is unsure and nothing else (override, pin, hint) decides
 * its tier. Never asks for inline completion. Never rejects: a failed or cancelled ask leaves the input as it was.
 */
export async function adviseBorderline(
  input: RouteInput,
  env: Pick<RouterEnvironment, 'pins'>,
  classifier: BorderlineClassifier,
  source: string,
  signal?: AbortSignal,
): Promise<BorderlineAdvice> {
  if (!reachesClassifier(input, env)) {
    return { input, asked: false, heuristic: undefined, verdict: undefined };
  }
  const heuristic = classify(input);
  if (!isBorderline(heuristic)) {
    return { input, asked: false, heuristic, verdict: undefined };
  }
  let verdict: Tier | undefined;
  try {
    verdict = await classifier(
      { task: input.task, text: input.text, features: heuristic.features, heuristic: heuristic.tier, runnerUp: heuristic.runnerUp },
      signal,
    );
  } catch {
    verdict = undefined;
  }
  const withVerdict: ClassifierVerdict | undefined = verdict !== undefined ? { tier: verdict, source } : undefined;
  return { input: withVerdict !== undefined ? { ...input, classifierVerdict: withVerdict } : input, asked: true, heuristic, verdict };
}
