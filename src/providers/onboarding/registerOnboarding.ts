import * as vscode from 'vscode';
import { commandIds } from '../commands/commandIds';
import { tierModels } from '../connectionStatusBar';
import type { Services } from '../services';
import { onboardingActivity } from './activity';
import { registerBenchmark } from './benchmarkPanel';
import { registerConfigureTiers } from './configureTiers';
import { registerGettingStarted } from './gettingStarted';
import { PullRegistry, registerPullModel, registerRemoveModel } from './pullModel';
import { tiers } from '../../settings/schema';

interface MenuItem extends vscode.QuickPickItem {
  readonly command?: string;
  readonly args?: readonly unknown[];
}

/** The status bar menu. */
async function statusMenu(services: Services, pulls: PullRegistry): Promise<void> {
  const settings = services.settings.current;
  const models = tierModels(services);
  const state = services.connection.state;
  const items: MenuItem[] = [
    { label: `${state === 'up' ? '$(check)' : state === 'down' ? '$(error)' : '$(circle-outline)'} Connection: ${state}`, description: services.connection.reports.map((r) => `${r.id} ${r.reachable ? 'up' : 'down'}`).join(' · '), command: commandIds.checkConnection, detail: 'Check Connection' },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: settings['completion.enabled'] ? '$(circle-slash) Turn Completions Off' : '$(sparkle) Turn Completions On', command: commandIds.toggleCompletions },
    { label: '$(layers) Switch Tier Models…', description: tiers.map((t) => `${t}: ${models[t] ?? '—'}`).join(' · '), command: commandIds.configureTiers },
    { label: '$(list-selection) Choose Completion Model…', description: settings['completion.model'] || 'automatic (code tier)', command: commandIds.chooseCompletionModel },
    { label: '$(cloud-download) Pull Model…', command: commandIds.pullModel },
    ...pulls.models.map((m) => ({ label: `$(stop-circle) Cancel Pull of ${m}`, command: commandIds.cancelPull, args: [m] })),
    { label: '$(trash) Remove Model…', command: commandIds.removeModel },
    { label: '$(dashboard) Benchmark Models', command: commandIds.benchmarkModels },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(output) Show Log', command: commandIds.showLog },
    { label: '$(list-ordered) Show Routing Log', command: commandIds.showRoutingLog },
    { label: '$(plug) Connect to a Model Server…', command: commandIds.connectServer },
    { label: '$(book) Get Started with Tiered', command: commandIds.openWalkthrough },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Tiered', matchOnDescription: true });
  if (choice?.command !== undefined) {
    await vscode.commands.executeCommand(choice.command, ...(choice.args ?? []));
  }
}

/** Onboarding: pull/remove models, Configure Tiers, Benchmark Models, the status menu and the walkthrough's commands. */
export function registerOnboarding(services: Services): vscode.Disposable {
  const pulls = new PullRegistry();
  // Pulls show as activity in the status bar while they run.
  let pullActivity: vscode.Disposable | undefined;
  const pullWatch = pulls.onDidChange(() => {
    const running = pulls.models;
    pullActivity?.dispose();
    pullActivity = running.length > 0 ? onboardingActivity.begin(`pulling ${running.join(', ')}`) : undefined;
  });
  return vscode.Disposable.from(
    pulls,
    pullWatch,
    { dispose: () => pullActivity?.dispose() },
    registerPullModel(services, pulls),
    registerRemoveModel(services),
    registerConfigureTiers(services),
    registerBenchmark(services, onboardingActivity),
    registerGettingStarted(services),
    vscode.commands.registerCommand(commandIds.statusMenu, () => statusMenu(services, pulls)),
  );
}
