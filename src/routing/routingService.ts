/**
 * The one place features ask "which model, on which backend, and why?". It builds the router's view of the
 * machine from the settings and the latest connection reports (checking the servers only when nothing is
 * known yet, never per request), routes, logs the decision, and learns speeds from finished requests.
 * Pure: no `vscode` import.
 */
import type { EndpointReport } from '../backend/checkConnection';
import { errors } from '../backend/errors';
import type { TieredError } from '../backend/errors';
import type { LlmBackend, ModelInfo, RequestMetrics } from '../backend/types';
import type { Settings } from '../settings/schema';
import { buildRouterEnvironment } from './environment';
import { tierModel } from './routeMachine';
import { route } from './router';
import { RoutingLog } from './routingLog';
import type { RoutingOutcome } from './routingLog';
import { adviseBorderline, reachesClassifier, smallModelClassifier } from './smallModelClassifier';
import type { ClassifierModelCall } from './smallModelClassifier';
import { SpeedStats } from './speedStats';
import type { RoutedDecision, RouteInput, RouterEnvironment } from './types';

/** A routed request, ready to send. */
export interface RoutedModel {
  readonly decision: RoutedDecision;
  readonly backend: LlmBackend;
  readonly model: ModelInfo;
  /** Pass to {@link RoutingService.finish} when the request ends. */
  readonly logId: number;
}

/** What the service needs from the extension. */
export interface RoutingServiceDeps {
  settings(): Settings;
  /** The latest connection reports (possibly empty). */
  reports(): readonly EndpointReport[];
  /** Checks the servers and returns fresh reports. */
  check(): Promise<readonly EndpointReport[]>;
  backendById(id: string): Promise<LlmBackend | undefined>;
  /** Called after speeds changed, so the caller can persist {@link SpeedStats.toJSON}. */
  onSpeedsChanged?(speeds: SpeedStats): void;
  /**
   * Whether to ask the small tier's model about borderline requests (the heuristic unsure, nothing else deciding
   * the tier). Off when absent. Only a model already loaded is asked: a load just to route would cost more than a
   * misroute, and could push the model the answer needs out of memory.
   */
  askSmallModel?(): boolean;
}

/** The router's view of the machine, from settings and connection reports. */
export function routerEnvironment(settings: Settings, reports: readonly EndpointReport[], speeds?: SpeedStats): RouterEnvironment {
  const reachable = reports.filter((r) => r.reachable);
  return buildRouterEnvironment(settings, {
    installed: reachable.flatMap((r) => r.models),
    loaded: reachable.flatMap((r) => r.loaded.map((l) => ({ endpointId: r.id, name: l.name }))),
    ...(speeds !== undefined ? { speeds: speeds.snapshot() } : {}),
  });
}

export class RoutingService {
  readonly log = new RoutingLog();
  readonly speeds: SpeedStats;

  constructor(
    private readonly deps: RoutingServiceDeps,
    speeds?: SpeedStats,
  ) {
    this.speeds = speeds ?? new SpeedStats();
  }

  /**
   * Routes a request, or explains why no model can serve it (as a {@link TieredError}). A borderline request may
   * first wait for the small model's verdict (at most `classifierTimeoutMs`; `signal` cancels the wait); inline
   * completion never does.
   */
  async route(input: RouteInput, signal?: AbortSignal): Promise<RoutedModel | TieredError> {
    let reports = this.deps.reports();
    if (!reports.some((r) => r.reachable)) {
      reports = await this.deps.check();
    }
    const reachable = reports.filter((r) => r.reachable);
    if (reachable.length === 0) {
      const down = reports[0];
      return down?.error ?? errors.unreachable(this.deps.settings()['ollama.baseUrl']);
    }
    const env = routerEnvironment(this.deps.settings(), reports, this.speeds);
    const advised = await this.adviseBorderline(input, env, signal);
    const decision = route(advised, env);
    const logId = this.log.add(advised, decision);
    if (decision.kind === 'noModel') {
      this.log.setOutcome(logId, { status: 'failed', error: decision.suggestion });
      return errors.modelNotFound(decision.suggestedModel, reachable[0]?.baseUrl ?? '', `${decision.reasons.join('; ')}. ${decision.suggestion}`);
    }
    const backend = await this.deps.backendById(decision.endpointId);
    const model = reachable.find((r) => r.id === decision.endpointId)?.models.find((m) => m.name === decision.model);
    if (backend === undefined || model === undefined) {
      this.log.setOutcome(logId, { status: 'failed', error: 'endpoint vanished' });
      return errors.unreachable(decision.endpointId);
    }
    return { decision, backend, model, logId };
  }

  /**
   * The input with the small tier's verdict when it was asked and answered; the input as it was otherwise. For
   * callers that call `route()` themselves with their own environment (the chat): `route(await advise(...), env)`.
   */
  async adviseBorderline(input: RouteInput, env: RouterEnvironment, signal: AbortSignal | undefined): Promise<RouteInput> {
    if (this.deps.askSmallModel?.() !== true || !reachesClassifier(input, env)) {
      return input;
    }
    const small = tierModel(env, 'small');
    if (small === undefined || !small.loaded) {
      return input;
    }
    const backend = await this.deps.backendById(small.model.endpointId);
    if (backend === undefined) {
      return input;
    }
    const call: ClassifierModelCall = async ({ messages, maxTokens, signal: callSignal }) => {
      let text = '';
      for await (const ev of backend.chat({ model: small.model.name, messages, numPredict: maxTokens, temperature: 0, signal: callSignal })) {
        text = ev.type === 'token' ? text + ev.text : ev.result.text !== '' ? ev.result.text : text;
      }
      return text;
    };
    const advice = await adviseBorderline(input, env, smallModelClassifier(call), `${small.model.name} classifier`, signal);
    return advice.input;
  }

  /** Records how a routed request ended, and learns the model's speed from its metrics. */
  finish(routed: RoutedModel, outcome: RoutingOutcome, metrics?: RequestMetrics): void {
    this.log.setOutcome(routed.logId, metrics ? { ...outcome, metrics } : outcome);
    if (metrics !== undefined && outcome.status === 'ok') {
      this.speeds.record(routed.decision.endpointId, routed.decision.model, metrics);
      this.deps.onSpeedsChanged?.(this.speeds);
    }
  }
}
