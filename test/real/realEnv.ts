/**
 * The servers of the real-engine tier: which models run where, how to start them all, and how the
 * tests find them (through one environment variable, so it works whatever module system loads them).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TinyModelName, WrittenModel } from './makeGguf';
import { writeTinyModels } from './makeGguf';
import type { RunningLlamaServer } from './llamaServer';
import { startLlamaServer } from './llamaServer';

/** One running server, as the tests see it. */
export interface RealServer {
  readonly name: TinyModelName;
  readonly baseUrl: string;
  /** The `--alias`: the model name the server reports. */
  readonly alias: string;
  /** Per-slot context (`-c` / `--parallel`). */
  readonly slotContext: number;
  readonly parallel: number;
  readonly modelPath: string;
  readonly modelBytes: number;
  /** Parameter count as written (all tensors). */
  readonly parameters: number;
  readonly startMs: number;
}

export type RealEnv = Readonly<Record<TinyModelName, RealServer>>;

const ENV_KEY = 'TIERED_REAL_ENV';

/** How each model is served: small has two slots (like a completion server), the others one. */
export const SERVER_PLAN: Readonly<Record<TinyModelName, { alias: string; ctx: number; parallel: number }>> = {
  small: { alias: 'tiered-small', ctx: 8192, parallel: 2 },
  large: { alias: 'tiered-large', ctx: 4096, parallel: 1 },
  nofim: { alias: 'tiered-nofim', ctx: 2048, parallel: 1 },
};

/** The servers started by `test/real/run.ts`; throws when the tier runner did not start them. */
export function realEnv(): RealEnv {
  const raw = process.env[ENV_KEY];
  if (raw === undefined) {
    throw new Error(`${ENV_KEY} is not set: run the real-engine tier with \`npx tsx test/real/run.ts\``);
  }
  return JSON.parse(raw) as RealEnv;
}

/** Writes the models into `workDir/models`, starts the given servers (logs in `workDir/logs`), publishes them for the tests. */
export async function startRealServers(
  bin: string,
  workDir: string,
  names: readonly TinyModelName[] = ['small', 'large', 'nofim'],
): Promise<{ env: RealEnv; models: Record<TinyModelName, WrittenModel>; stop: () => Promise<void> }> {
  const models = writeTinyModels(join(workDir, 'models'));
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const started: RunningLlamaServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  const servers: Partial<Record<TinyModelName, RealServer>> = {};
  try {
    await Promise.all(
      names.map(async (name) => {
        const plan = SERVER_PLAN[name];
        const s = await startLlamaServer({
          bin,
          model: models[name].path,
          alias: plan.alias,
          ctx: plan.ctx,
          parallel: plan.parallel,
          threads: 1,
          logFile: join(workDir, 'logs', `${name}.log`),
        });
        started.push(s);
        servers[name] = {
          name,
          baseUrl: s.baseUrl,
          alias: plan.alias,
          slotContext: plan.ctx / plan.parallel,
          parallel: plan.parallel,
          modelPath: models[name].path,
          modelBytes: models[name].sizeBytes,
          parameters: models[name].parameters,
          startMs: s.startMs,
        };
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const env = servers as RealEnv;
  process.env[ENV_KEY] = JSON.stringify(env);
  return { env, models, stop };
}
