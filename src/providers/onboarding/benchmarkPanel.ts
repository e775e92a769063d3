import * as vscode from 'vscode';
import { isTieredError } from '../../backend/errors';
import { addRun, parseRuns, runBenchmark } from '../../onboarding/benchmark';
import type { BenchmarkResult, BenchmarkTarget } from '../../onboarding/benchmark';
import { suggestedMapping } from '../../onboarding/modelChoices';
import { tiers } from '../../settings/schema';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import type { OnboardingActivity } from './activity';
import { benchmarkHtml } from './benchmarkHtml';

const runsKey = 'tiered.benchmarks';
// Same key the composition root restores the router's speeds from.
const speedsKey = 'tiered.speeds';

/** What the command returns (for tests): the results and the page shown. */
export interface BenchmarkCommandResult {
  readonly results: readonly BenchmarkResult[];
  readonly html: string;
}

/** The models to measure: each tier's setting, else the router's suggestion; one run per distinct model. */
async function targets(services: Services): Promise<BenchmarkTarget[]> {
  let reports = services.connection.reports;
  if (!reports.some((r) => r.reachable)) {
    reports = await services.connection.check();
  }
  const mapping = suggestedMapping(reports);
  const settings = services.settings.current;
  const out: BenchmarkTarget[] = [];
  for (const tier of tiers) {
    const configured = settings[`tiers.${tier}.model`];
    const endpointSetting = settings[`tiers.${tier}.endpoint`];
    const endpointId =
      configured !== ''
        ? endpointSetting !== ''
          ? endpointSetting
          : (reports.find((r) => r.reachable && r.models.some((m) => m.name === configured))?.id ?? reports.find((r) => r.reachable)?.id)
        : mapping[tier]?.endpointId;
    const model = configured !== '' ? configured : mapping[tier]?.model;
    if (model === undefined || endpointId === undefined || out.some((t) => t.model === model && t.endpointId === endpointId)) {
      continue;
    }
    const backend = await services.backends.byId(endpointId);
    if (backend !== undefined) {
      out.push({ tier, endpointId, model, backend });
    }
  }
  return out;
}

function showPanel(html: string): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel('tiered.benchmark', 'Tiered: Benchmark', vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
  panel.webview.html = html;
  return panel;
}

/** "Tiered: Benchmark Models". */
export function registerBenchmark(services: Services, activity: OnboardingActivity): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.benchmarkModels, async (): Promise<BenchmarkCommandResult | undefined> => {
    const list = await targets(services);
    if (list.length === 0) {
      const why = services.connection.reports.find((r) => !r.reachable)?.error?.message ?? 'No model is installed or configured for any tier.';
      void vscode.window.showErrorMessage(`Tiered: nothing to benchmark. ${why}`, 'Configure Tiers…').then((c) => {
        if (c) {
          void vscode.commands.executeCommand(commandIds.configureTiers);
        }
      });
      return undefined;
    }
    const controller = new AbortController();
    let results: BenchmarkResult[];
    const busy = activity.begin('benchmarking');
    try {
      results = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Tiered: benchmarking', cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let last = 0;
          return runBenchmark(list, {
            signal: controller.signal,
            onProgress: (message, fraction) => {
              progress.report({ message, increment: (fraction - last) * 100 });
              last = fraction;
            },
            onMetrics: (target, metrics, size) => {
              services.logger.info(`Benchmark ${target.model} (${size}): first token ${Math.round(metrics.timeToFirstTokenMs)} ms, load ${Math.round(metrics.loadMs)} ms, ${metrics.tokensPerSecond.toFixed(1)} tokens/s, ${metrics.promptTokens} prompt tokens.`);
              // Short prompts resemble quick work; the long prompt's evaluation time would skew the router's budgets.
              if (size === 'short') {
                services.routing.speeds.record(target.endpointId, target.model, metrics);
              }
            },
          });
        },
      );
    } catch (error) {
      if (controller.signal.aborted || isTieredError(error, 'aborted')) {
        void vscode.window.showInformationMessage('Tiered: benchmark cancelled; nothing was stored.');
        return undefined;
      }
      throw error;
    } finally {
      busy.dispose();
    }
    const at = Date.now();
    const state = services.extension.globalState;
    await state.update(runsKey, addRun(parseRuns(state.get(runsKey)), { at, results }));
    await state.update(speedsKey, services.routing.speeds.toJSON());
    const html = benchmarkHtml(results, at);
    showPanel(html);
    return { results, html };
  });
}
