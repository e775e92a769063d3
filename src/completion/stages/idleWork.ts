/**
 * What the pipeline does in the user's idle time (see `idle.ts`): a warm-up of the server's cache after a file
 * switch, and after a pause the repository context chosen again, then the cache warmed when the prompt's stable
 * part changed. Never while anything else is on the server (never two requests at once).
 * Pure: no `vscode` import.
 */
import type { Settings } from '../../settings/schema';
import type { Clock } from '../../util/clock';
import type { AttemptLog } from '../attemptLog';
import { prefilter } from '../prefilter';
import type { RepoContextSource } from '../repoContextSource';
import type { CompletionRequest } from '../types';
import { whenQuiet } from './idle';
import type { IdleRefresh } from './idle';
import type { ModelStage } from './model';
import type { PromptStage } from './prompt';
import type { RequestPolicy } from './requestPolicy';
import type { ServerGenerations } from './serverGenerations';
import type { WarmUps } from './warmUp';

/** The pipeline's parts idle work uses. */
export interface IdleWorkDeps {
  readonly clock: Clock;
  settings(): Settings;
  readonly models: ModelStage;
  readonly prompts: PromptStage;
  readonly warmUps: WarmUps;
  readonly server: Pick<ServerGenerations, 'running' | 'onServerCount'>;
  readonly policy: Pick<RequestPolicy, 'busy'>;
  readonly attempts: Pick<AttemptLog, 'inFlight'>;
  readonly idle: IdleRefresh;
  readonly repoContext: RepoContextSource | undefined;
  readonly generationTimeoutMs: number;
}

/** Warm-ups and idle refreshes. */
export class IdleWork {
  private warmUpRun: Promise<boolean> | undefined;

  constructor(private readonly deps: IdleWorkDeps) {}

  /** The warm-up still on the server, if any: a real request waits for it. */
  get warmUpInFlight(): Promise<boolean> | undefined {
    return this.deps.warmUps.active ? this.warmUpRun : undefined;
  }

  /** Nothing on the server and no warm-up running. */
  private serverFree(): boolean {
    return this.deps.server.running === 0 && this.deps.server.onServerCount === 0 && !this.deps.warmUps.active;
  }

  /** See `CompletionPipeline.warmUp`. */
  async warmUp(request: CompletionRequest): Promise<boolean> {
    const settings = this.deps.settings();
    if (settings['completion.requestPolicy'] !== 'costAware' || !this.serverFree()) {
      return false;
    }
    // Only what would stop a real request counts (the cursor in a word does not make the prompt useless).
    if (prefilter({ ...request, manual: true }, settings) !== undefined) {
      return false;
    }
    const signal = new AbortController().signal;
    const choice = await this.deps.models.choose(signal);
    if ('error' in choice || choice.backend.kind !== 'openai' || !this.serverFree()) {
      return false;
    }
    const prompt = await this.deps.prompts.build(request, choice, settings, signal);
    if (!this.deps.warmUps.needed(prompt.stableKey) || !this.serverFree()) {
      return false;
    }
    const run = this.deps.warmUps.run(prompt.stableKey, choice.backend, prompt.request, this.deps.policy.busy, this.deps.clock);
    this.warmUpRun = run;
    return run;
  }

  /** See `CompletionPipeline.whenIdle`. */
  async whenIdle(request: CompletionRequest, current: () => CompletionRequest | undefined): Promise<boolean> {
    const signal = this.deps.idle.begin();
    this.deps.repoContext?.notify({ kind: 'pause', documentUri: request.documentUri });
    // The pause's own request first (it may still be waiting for the policy, or streaming): the context must not
    // change on its way, and a warm-up must not stand in its queue.
    const quiet = (): boolean => this.deps.attempts.inFlight().length === 0 && this.deps.server.running === 0 && this.deps.server.onServerCount === 0;
    const settled = await whenQuiet(quiet, signal, this.deps.clock, 50, this.deps.generationTimeoutMs);
    const now = current();
    if (!settled || now === undefined || now.text !== request.text || now.offset !== request.offset) {
      return false;
    }
    if (prefilter({ ...request, manual: true }, this.deps.settings()) !== undefined) {
      return false;
    }
    const choice = await this.deps.models.choose(signal);
    if ('error' in choice || signal.aborted) {
      return false;
    }
    if (await this.deps.prompts.refreshContext(request, choice, signal)) {
      this.deps.idle.changed++;
    }
    return signal.aborted ? false : this.warmUp(request);
  }
}
