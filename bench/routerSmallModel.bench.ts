/**
 * The borderline small-model classifier with a REAL model: Tiered's RoutingService asks a real llama-server (the
 * real-engine tier's tiny generated "small" model, loaded) about the labeled requests the heuristic is unsure of,
 * through the real OpenAiBackend. Baseline in the same process: the same service with the classifier off.
 *
 * The tiny model has random weights: it answers garbage, so this measures the FALLBACK path (every answer that
 * names no tier keeps the heuristic's tier) and what asking costs in time, not what a real small model would add.
 * With a capable small model set as the small tier, the same code measures its real effect (TIERED_ROUTER_MODEL_URL
 * and TIERED_ROUTER_MODEL_NAME point it at any OpenAI-compatible server, e.g. llama-server with qwen2.5-0.5b).
 * The other tiers' models are listed but never called (routing only).
 *
 * Run under the real-engine lock: flock /tmp/tiered-real.lock npx tsx bench/routerSmallModel.bench.ts
 * Needs the cached llama-server binary; without it prints a notice and exits 0. Writes bench/results/routerSmallModel.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkEndpoint } from '../src/backend/checkConnection';
import type { EndpointReport } from '../src/backend/checkConnection';
import { OpenAiBackend } from '../src/backend/openAiBackend';
import type { ChatRequest, GenerationEvent, LlmBackend } from '../src/backend/types';
import { parseLabeledSet, toRouteInput } from '../src/routing/evaluate';
import type { LabeledRequest } from '../src/routing/evaluate';
import { RoutingService } from '../src/routing/routingService';
import { parseTierAnswer } from '../src/routing/smallModelClassifier';
import { defaultSettings } from '../src/settings/readSettings';
import type { Settings } from '../src/settings/schema';
import { killAllServers, findLlamaServer, startLlamaServer } from '../test/real/llamaServer';
import type { RunningLlamaServer } from '../test/real/llamaServer';
import { writeTinyModel } from '../test/real/makeGguf';
import { retryingFetch } from '../test/real/socketRetry';
import { catalog } from '../test/fixtures/routing/models';

const root = path.join(__dirname, '..');
const requests: LabeledRequest[] = parseLabeledSet(JSON.parse(readFileSync(path.join(root, 'test/fixtures/routing/labeledRequests.json'), 'utf8')));

/** The real backend with its chat calls recorded: what was asked, what came back, how long it took. */
function tapped(backend: LlmBackend, asks: { answer: string; ms: number; error?: string }[]): LlmBackend {
  return {
    id: backend.id,
    kind: backend.kind,
    baseUrl: backend.baseUrl,
    serverInfo: (s) => backend.serverInfo(s),
    listModels: (s) => backend.listModels(s),
    listLoaded: (s) => backend.listLoaded(s),
    generate: (r) => backend.generate(r),
    chat: (r: ChatRequest): AsyncIterable<GenerationEvent> =>
      (async function* () {
        const t0 = performance.now();
        let text = '';
        try {
          for await (const ev of backend.chat(r)) {
            text = ev.type === 'token' ? text + ev.text : ev.result.text !== '' ? ev.result.text : text;
            yield ev;
          }
          asks.push({ answer: text, ms: performance.now() - t0 });
        } catch (error) {
          asks.push({ answer: text, ms: performance.now() - t0, error: error instanceof Error ? error.message : String(error) });
          throw error;
        }
      })(),
    pull: (m, s) => backend.pull(m, s),
    deleteModel: (m, s) => backend.deleteModel(m, s),
    countTokens: (m, t, s) => backend.countTokens(m, t, s),
    embed: (m, i, s) => backend.embed(m, i, s),
  };
}

interface Run {
  readonly correct: number;
  readonly total: number;
  readonly accuracy: number;
  readonly asked: number;
  readonly answeredWithATier: number;
  readonly routeMsP50: number;
  readonly routeMsMax: number;
}

const pctOf = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) * 10) / 10;
};

async function runSplit(list: readonly LabeledRequest[], service: RoutingService, asks: { answer: string; ms: number }[]): Promise<Run> {
  const before = asks.length;
  let correct = 0;
  const routeMs: number[] = [];
  for (const r of list) {
    const t0 = performance.now();
    const routed = await service.route(toRouteInput(r));
    routeMs.push(performance.now() - t0);
    if ('decision' in routed && routed.decision.tier === r.expected) {
      correct++;
    }
  }
  const mine = asks.slice(before);
  return {
    correct,
    total: list.length,
    accuracy: list.length === 0 ? 0 : correct / list.length,
    asked: mine.length,
    answeredWithATier: mine.filter((a) => parseTierAnswer(a.answer) !== undefined).length,
    routeMsP50: pctOf(routeMs, 0.5),
    routeMsMax: Math.round(Math.max(...routeMs) * 10) / 10,
  };
}

async function main(): Promise<void> {
  const externalUrl = process.env.TIERED_ROUTER_MODEL_URL;
  const bin = externalUrl === undefined ? findLlamaServer() : undefined;
  if (externalUrl === undefined && bin === undefined) {
    console.log('routerSmallModel: SKIPPED — no llama-server binary cached (npm run build:llama-server).');
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'tiered-router-bench-'));
  let server: RunningLlamaServer | undefined;
  try {
    let baseUrl: string;
    let modelName: string;
    let modelNote: string;
    if (externalUrl !== undefined) {
      baseUrl = externalUrl;
      modelName = process.env.TIERED_ROUTER_MODEL_NAME ?? '';
      modelNote = `external server ${externalUrl}, model ${modelName}`;
    } else {
      const m = writeTinyModel('small', path.join(work, 'models'));
      server = await startLlamaServer({ bin: bin ?? '', model: m.path, alias: 'tiered-small', ctx: 4096, parallel: 1, threads: 1, logFile: path.join(work, 'small.log') });
      baseUrl = server.baseUrl;
      modelName = 'tiered-small';
      modelNote = `the real-engine tier's tiny generated model (${(m.parameters / 1e6).toFixed(2)} M parameters, random weights) on llama-server`;
    }
    const real = new OpenAiBackend({ id: 'real', baseUrl, timeoutMs: 60_000, fetch: retryingFetch });
    const asks: { answer: string; ms: number; error?: string }[] = [];
    const backend = tapped(real, asks);
    const realReport = await checkEndpoint(backend);
    if (!realReport.reachable) {
      throw new Error(`the model server did not answer: ${realReport.error?.message ?? 'unreachable'}`);
    }
    if (modelName === '') {
      modelName = realReport.models[0]?.name ?? '';
    }
    const loaded = realReport.loaded.some((l) => l.name === modelName);
    // The other tiers' models: listed on a second endpoint, never called (only their tier is judged).
    const listed: EndpointReport = {
      id: 'listed',
      kind: 'ollama',
      baseUrl: 'http://listed.invalid',
      reachable: true,
      models: [catalog.qwenCoder7b, catalog.qwen3Moe].map((m) => ({ ...m, endpointId: 'listed' })),
      loaded: [],
    };
    // A model server that is not told it is loaded (some do not say) is asked all the same here: this bench is about asking.
    const reports: EndpointReport[] = [loaded ? realReport : { ...realReport, loaded: realReport.models.map((m) => ({ name: m.name, sizeBytes: 0, sizeVramBytes: 0, contextLength: 4096, expiresAt: undefined })) }, listed];
    const settings: Settings = {
      ...defaultSettings(),
      'tiers.small.model': modelName,
      'tiers.small.endpoint': 'real',
      'tiers.code.model': catalog.qwenCoder7b.name,
      'tiers.code.endpoint': 'listed',
      'tiers.moe.model': catalog.qwen3Moe.name,
      'tiers.moe.endpoint': 'listed',
    };
    const make = (ask: boolean): RoutingService =>
      new RoutingService({
        settings: () => settings,
        reports: () => reports,
        check: async () => reports,
        backendById: async (id) => (id === 'real' ? backend : real),
        askSmallModel: () => ask,
      });
    const heldOut = requests.filter((r) => r.split === 'holdout');
    const dev = requests.filter((r) => (r.split ?? 'dev') === 'dev');
    const baseline = { holdout: await runSplit(heldOut, make(false), asks), dev: await runSplit(dev, make(false), asks) };
    const withModel = { holdout: await runSplit(heldOut, make(true), asks), dev: await runSplit(dev, make(true), asks) };
    const askMs = asks.map((a) => a.ms);
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    console.log(`Borderline small-model classifier, REAL model: ${modelNote}; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs`);
    for (const [label, run] of [['heuristic alone (baseline)', baseline], ['with the small model asked', withModel]] as const) {
      console.log(
        `  ${label.padEnd(28)} held-out ${pct(run.holdout.accuracy)} (${run.holdout.correct}/${run.holdout.total}), dev ${pct(run.dev.accuracy)} (${run.dev.correct}/${run.dev.total}); asked ${run.holdout.asked + run.dev.asked}, answered with a tier ${run.holdout.answeredWithATier + run.dev.answeredWithATier}; route() p50 ${run.holdout.routeMsP50} ms, max ${Math.max(run.holdout.routeMsMax, run.dev.routeMsMax)} ms`,
      );
    }
    console.log(`  one ask: p50 ${pctOf(askMs, 0.5)} ms, p90 ${pctOf(askMs, 0.9)} ms, max ${pctOf(askMs, 1)} ms; errors ${asks.filter((a) => a.error !== undefined).length}`);
    console.log(`  sample answers: ${asks.slice(0, 5).map((a) => JSON.stringify(a.answer.slice(0, 40))).join(', ')}`);
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    const out = {
      bench: 'routerSmallModel',
      date: new Date().toISOString(),
      model: modelNote,
      note: 'Random-weight tiny model: measures the fallback path (answers name no tier) and the cost of asking, not the gain of a capable small model.',
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      cpus: cpus().length,
      baseline,
      withModel,
      askMs: { p50: pctOf(askMs, 0.5), p90: pctOf(askMs, 0.9), max: pctOf(askMs, 1), count: askMs.length },
      sampleAnswers: asks.slice(0, 10).map((a) => a.answer),
    };
    writeFileSync(path.join(root, 'bench/results/routerSmallModel.json'), `${JSON.stringify(out, null, 2)}\n`);
    console.log('\nwrote bench/results/routerSmallModel.json');
  } finally {
    await server?.stop();
    killAllServers();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
