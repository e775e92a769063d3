import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { isTieredError } from '../../backend/errors';
import { addRun, parseRuns, renderChart, renderTable, runBenchmark } from '../../onboarding/benchmark';
import type { BenchmarkResult, BenchmarkTarget } from '../../onboarding/benchmark';
import { suggestedMapping } from '../../onboarding/modelChoices';
import { tiers } from '../../settings/schema';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import type { OnboardingActivity } from './activity';

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

/** The results page: no script at all, styles allowed only by nonce. */
export function benchmarkHtml(results: readonly BenchmarkResult[], at: number): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; img-src data:;`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tiered: Benchmark</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid var(--vscode-panel-border); padding: 4px 8px; text-align: right; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr.error td { color: var(--vscode-errorForeground); }
svg text { fill: var(--vscode-foreground); font-size: 12px; }
svg .title { font-weight: bold; }
svg .bar.short { fill: var(--vscode-charts-blue, #3794ff); }
svg .bar.long { fill: var(--vscode-charts-orange, #d18616); }
p.note { color: var(--vscode-descriptionForeground); }
</style></head><body>
<h2>Benchmark — ${new Date(at).toLocaleString()}</h2>
${renderTable(results)}
${renderChart(results)}
<p class="note">Short prompt: one sentence; long prompt: about 1,500 tokens of code. First token excludes model load time, which is shown separately.
The router uses these speeds, for example to keep a model that is too slow away from inline completions.</p>
</body></html>`;
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
