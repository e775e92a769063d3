/**
 * How a question is to be answered, decided before anything streams: the route (tier and model), the budget
 * (num_ctx sized to the prompt within the model's and the user's caps), the assembled prompt, what the answer's
 * Context note says, and the sources its chips show. Pure: no `vscode` import.
 */
import { TieredError } from '../backend/errors';
import type { LlmBackend } from '../backend/types';
import { computeBudget } from '../context/budget';
import type { PromptSizer } from '../context/promptSizer';
import type { TokenCounter } from '../context/tokenCounter';
import { checkPromptFits } from '../onboarding/truncationGuard';
import { route } from '../routing/router';
import type { RouteCode, RouteDecision, RouteInput, RouterEnvironment } from '../routing/types';
import type { TaskKind, Tier } from '../settings/schema';
import { sourcesOf } from './answerSources';
import type { RouteAdviser } from './chatPorts';
import type { AnswerSource, ChatHistoryMessage, Conversation } from './chatTypes';
import { threadOf } from './conversationState';
import { pinOverride } from './messageViews';
import { assembleChatPrompt, contextLineCount, essentialPromptTokens, withoutRepeatedLines, type AssembledPrompt, type ChatContextItem } from './promptAssembly';

/** What the controller needs from the machine at the moment of a request. */
export interface ChatEnvironment {
  readonly router: RouterEnvironment;
  readonly answerReserveTokens: number;
  readonly maxContextTokens: number;
  readonly keepAlive: string | number | undefined;
  /** Set when no model server answered at all: why (its action is "start the server"), instead of "no model". */
  readonly unreachable?: TieredError;
}

/** How a turn started outside the webview is routed. */
export interface RouteExtras {
  readonly task: TaskKind;
  readonly tierHint?: Tier | 'auto';
  readonly modelHint?: string;
  /** What the router reads instead of the message and its context (a built-in prompt routed as its command). */
  readonly routeAs?: { readonly text: string; readonly code?: RouteCode };
}

export interface PlanInput {
  readonly conversation: Conversation;
  readonly user: ChatHistoryMessage;
  /** The user's own context, then what the index retrieved (best first). */
  readonly context: readonly ChatContextItem[];
  /** Of {@link context}, the chunks the index retrieved, and why (named in the Context note). */
  readonly retrieved: { readonly items: readonly ChatContextItem[]; readonly why: string };
  readonly tierOverride: Tier | undefined;
  readonly extras: RouteExtras;
  readonly env: ChatEnvironment;
  readonly backends: () => Promise<readonly LlmBackend[]>;
  readonly counter: TokenCounter;
  readonly sizer: PromptSizer | undefined;
  /** The small model's verdict on a borderline request (absent: the rules alone). */
  readonly adviseRoute?: RouteAdviser;
  readonly signal?: AbortSignal;
}

/** A routed answer, ready to stream. */
export interface ReadyPlan {
  readonly kind: 'ready';
  readonly decision: Extract<RouteDecision, { kind: 'routed' }>;
  readonly backend: LlmBackend | undefined;
  /** The model as the prompt sizer knows it. */
  readonly sized: { readonly name: string; readonly family: string };
  readonly prompt: AssembledPrompt;
  readonly numCtx: number;
  readonly contextReport: string;
  readonly sources: readonly AnswerSource[];
  /** Said in the view before the answer (the question was shortened, old messages left out). */
  readonly notice: { readonly level: 'info' | 'warning'; readonly message: string } | undefined;
}

export type AnswerPlan = ReadyPlan | { readonly kind: 'noModel'; readonly decision: Extract<RouteDecision, { kind: 'noModel' }> };

/** Routes, sizes and assembles. Throws when nothing can answer (the server is down) or the question cannot fit. */
export async function planAnswer(input: PlanInput): Promise<AnswerPlan> {
  const { env, context, extras } = input;
  const routeInput: RouteInput = {
    task: extras.task,
    ...(extras.tierHint !== undefined ? { tierHint: extras.tierHint } : {}),
    ...(extras.modelHint !== undefined ? { modelHint: extras.modelHint } : {}),
    ...routedText(extras, input.user.content, context),
    override: input.tierOverride !== undefined ? { tier: input.tierOverride } : pinOverride(input.conversation),
  };
  const advised = input.adviseRoute === undefined ? routeInput : await input.adviseRoute(routeInput, env.router, input.signal ?? new AbortController().signal);
  const decision = route(advised, env.router);
  if (decision.kind === 'noModel' && env.unreachable !== undefined) {
    // Nothing is installed because nothing answered: say that, with "Start the server" (not "Pull a model").
    throw env.unreachable;
  }
  if (decision.kind === 'noModel') {
    return { kind: 'noModel', decision };
  }
  const backend = (await input.backends()).find((b) => b.id === decision.endpointId);
  const info = env.router.installed.find((m) => m.endpointId === decision.endpointId && m.name === decision.model);
  const thread = threadOf(input.conversation);
  const sized = { name: decision.model, family: info?.family ?? '' };
  const tokenize = backend === undefined ? undefined : (text: string): Promise<number | undefined> => backend.countTokens(decision.model, text);
  await input.sizer?.measureIfUncalibrated(sized, [...thread.map((m) => m.content), ...context.map((c) => c.text)].join('\n'), tokenize);
  const counter = input.sizer?.counterFor(sized) ?? input.counter;
  const roughNeed = counter.count(thread.map((m) => m.content).join('\n') + context.map((c) => c.text).join('\n'));
  const budget = computeBudget({
    contextLength: info?.contextLength,
    maxContextSetting: env.maxContextTokens,
    answerReserve: env.answerReserveTokens,
    neededTokens: roughNeed + 200,
  });
  // The truncation guard: num_ctx is already sized to the prompt (within the model's and the user's caps), so
  // what still does not fit is the question itself: say so with the numbers rather than cutting it silently.
  const essential = essentialPromptTokens({ thread, counter });
  const fit = checkPromptFits({ model: decision.model, promptTokens: essential, contextTokens: budget.numCtx, answerReserveTokens: budget.numCtx - budget.promptBudget });
  let prompt: AssembledPrompt;
  try {
    prompt = assembleChatPrompt({ thread, context, promptBudget: budget.promptBudget, counter });
  } catch (error) {
    throw fit.fits ? error : new TieredError('contextOverflow', fit.message, { model: decision.model, promptTokens: essential, contextTokens: budget.numCtx }, { kind: 'openSettings', setting: 'tiered.context.maxContextTokens' });
  }
  let contextReport = `${prompt.report}; num_ctx ${budget.numCtx} (${budget.reason})`;
  const retrieved = input.retrieved.items;
  if (retrieved.length > 0) {
    contextReport += `; sources from the index: ${retrieved.map((r) => r.label).join(', ')} (${input.retrieved.why})`;
  }
  let notice: ReadyPlan['notice'];
  if (!fit.fits) {
    contextReport += `; the question was shortened by about ${fit.overflowTokens} tokens to fit`;
    notice = { level: 'warning', message: `${fit.message} This answer is to the question with its start cut off.` };
  } else if (prompt.droppedMessages > 0) {
    // Long conversations: the system message and the latest turns are kept at the edges; the middle goes, visibly.
    notice = {
      level: 'info',
      message: `This conversation no longer fits the model's context (num_ctx ${budget.numCtx}): the ${prompt.droppedMessages} oldest message(s) were left out of this answer; the system message and the latest turns were kept. Start a new conversation to begin afresh.`,
    };
  }
  // Only what reached the model is a source: an item dropped for lack of room is not.
  const included = new Set(prompt.includedIds);
  const sources = sourcesOf(context.filter((c) => included.has(c.id)));
  return { kind: 'ready', decision, backend, sized, prompt, numCtx: budget.numCtx, contextReport, sources, notice };
}

/** What the router reads: the message and its context, or what a built-in prompt is routed as. */
function routedText(extras: RouteExtras, text: string, context: readonly ChatContextItem[]): { text: string; code?: RouteCode } {
  if (extras.routeAs !== undefined) {
    return { text: extras.routeAs.text, ...(extras.routeAs.code !== undefined ? { code: extras.routeAs.code } : {}) };
  }
  return { text, ...(context.length > 0 ? { code: codeShape(context) } : {}) };
}

function codeShape(context: readonly ChatContextItem[]): RouteCode {
  // Each line once: a file sent beside a selection from it leaves the selected lines out.
  const lines = contextLineCount(context);
  const chars = withoutRepeatedLines(context).reduce((n, c) => n + c.text.length, 0);
  const languageId = context[0]?.languageId;
  return { lines, chars, ...(languageId ? { languageId } : {}), fileCount: new Set(context.map((c) => c.label.split(':')[0])).size };
}
