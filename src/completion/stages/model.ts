/**
 * Stage "model": the completion model and its backend (resolved by the extension, cheap per call), and its
 * FIM plan (computed once per backend and model). A new model starts the request policy's figures for it.
 * Pure: no `vscode` import.
 */
import { TieredError, isTieredError } from '../../backend/errors';
import type { LlmBackend, ModelInfo } from '../../backend/types';
import type { ResolvedModel } from '../pipelineTypes';
import { planFim } from '../templates';
import type { FimPlan } from '../templates';
import type { UsablePlan } from './prompt';

/** A resolved model with its usable FIM plan. */
export interface ModelChoice {
  readonly backend: LlmBackend;
  readonly model: ModelInfo;
  readonly plan: UsablePlan;
}

/** Why no model can complete: the error to show, and the model it concerns if known. */
export interface ModelError {
  readonly error: TieredError;
  readonly model?: string;
}

/** The completion model, its FIM plans, and which model completions last went to. */
export class ModelStage {
  private readonly plans = new Map<string, FimPlan>();
  private current: string | undefined;

  /**
   * @param resolve the extension's model resolution (see `CompletionPipelineDeps.resolveModel`).
   * @param onNewModel called when completions go to another model than before (with its known time to first token).
   */
  constructor(
    private readonly resolve: (signal: AbortSignal) => Promise<ResolvedModel | TieredError>,
    private readonly onNewModel: (model: string, timeToFirstTokenMs: number | undefined) => void,
  ) {}

  /** The model completions last went to. */
  get model(): string | undefined {
    return this.current;
  }

  /** Forgets the plans (the model or its details changed). */
  invalidate(): void {
    this.plans.clear();
  }

  /** The completion model, its backend and a usable FIM plan, or the error to show. Never rejects. */
  async choose(signal: AbortSignal): Promise<ModelChoice | ModelError> {
    let resolved: ResolvedModel | TieredError;
    try {
      resolved = await this.resolve(signal);
    } catch (error) {
      resolved = isTieredError(error) ? error : new TieredError('badResponse', `Could not choose a completion model: ${String(error)}`);
    }
    if (isTieredError(resolved)) {
      return { error: resolved };
    }
    const { backend, model } = resolved;
    if (this.current !== model.name) {
      this.onNewModel(model.name, resolved.timeToFirstTokenMs);
    }
    this.current = model.name;
    const plan = this.planFor(model, backend);
    return plan.kind === 'unsupported' ? { error: plan.error, model: model.name } : { backend, model, plan };
  }

  private planFor(model: ModelInfo, backend: LlmBackend): FimPlan {
    const key = `${backend.id}\u0000${model.name}`;
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = planFim(model, backend.kind);
      this.plans.set(key, plan);
    }
    return plan;
  }
}
