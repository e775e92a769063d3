import * as vscode from 'vscode';
import type { ConnectionState } from '../backend/connectionMonitor';
import { HealthWatcher } from '../onboarding/healthWatcher';
import { suggestedMapping } from '../onboarding/modelChoices';
import { tiers } from '../settings/schema';
import type { Settings, Tier } from '../settings/schema';
import { systemClock } from '../util/clock';
import { commandIds } from './commands/commandIds';
import type { Services } from './services';

const icons: Record<ConnectionState, string> = {
  unknown: '$(circle-outline)',
  checking: '$(sync~spin)',
  up: '$(check)',
  partial: '$(warning)',
  down: '$(error)',
};

// A routed request with no outcome after this long is treated as finished (a caller that never reported back).
const staleRequestMs = 120_000;

/** Something else that counts as "generating" (pulls, benchmark runs). */
export interface ActivitySource {
  readonly busy: () => string | undefined;
  readonly onDidChange: vscode.Event<void>;
}

function connectionSettingsKey(s: Settings): string {
  return JSON.stringify([s['ollama.baseUrl'], s['ollama.enabled'], s.openAiEndpoints, s.requestTimeoutSeconds]);
}

/** The effective model of each tier: the setting, else the router's suggestion (marked auto). */
export function tierModels(services: Services): Record<Tier, string | undefined> {
  const settings = services.settings.current;
  const mapping = suggestedMapping(services.connection.reports);
  const out: Record<Tier, string | undefined> = { small: undefined, code: undefined, moe: undefined };
  for (const tier of tiers) {
    const configured = settings[`tiers.${tier}.model`];
    out[tier] = configured !== '' ? configured : mapping[tier] !== undefined ? `${mapping[tier].model} (auto)` : undefined;
  }
  return out;
}

/**
 * The Tiered status bar item: connection state, the tier models, generating or idle; click for the menu.
 * Sets the `tiered.connection` and `tiered.noEndpoints` context keys (they drive the welcome view).
 * Server health is watched by a {@link HealthWatcher}: first check right after start-up (off the activation path),
 * back-off while down, a quick re-check when the window regains focus or settings change.
 */
export function registerConnectionStatus(services: Services, activity?: ActivitySource): vscode.Disposable & { readonly health: HealthWatcher } {
  const item = vscode.window.createStatusBarItem('tiered.connection', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Tiered';
  item.command = commandIds.statusMenu;
  const health = new HealthWatcher(async () => (await services.connection.check()).some((r) => r.reachable), systemClock, {
    downInitialMs: 2000,
    downMaxMs: 60_000,
    upIntervalMs: 300_000,
  });
  let staleTimer: ReturnType<typeof setTimeout> | undefined;
  let lastState: ConnectionState | undefined;
  let lastConnectionKey = connectionSettingsKey(services.settings.current);
  let lastNoEndpoints: boolean | undefined;

  const generating = (): string | undefined => {
    const now = Date.now();
    const running = services.routing.log.entries().filter((e) => e.outcome === undefined && e.decision.kind !== 'noModel' && now - e.at < staleRequestMs);
    if (staleTimer !== undefined) {
      clearTimeout(staleTimer);
      staleTimer = undefined;
    }
    if (running.length > 0) {
      // Re-render once the oldest would count as stale, so a lost outcome cannot leave the spinner on.
      const oldest = Math.min(...running.map((e) => e.at));
      staleTimer = setTimeout(render, Math.max(1000, staleRequestMs - (now - oldest) + 10));
      return `${running.length} request${running.length === 1 ? '' : 's'} running`;
    }
    return activity?.busy();
  };

  function render(): void {
    const state = services.connection.state;
    const reports = services.connection.reports;
    const busy = state === 'up' || state === 'partial' ? generating() : undefined;
    const models = tierModels(services);
    const code = models.code?.replace(/ \(auto\)$/, '');
    item.text = `${busy !== undefined ? '$(loading~spin)' : icons[state]} Tiered${code !== undefined && (state === 'up' || state === 'partial') ? ` · ${code}` : ''}`;
    const lines = reports.map((r) => (r.reachable ? `${r.id}: ${r.models.length} models at ${r.baseUrl}` : `${r.id}: not reachable (${r.baseUrl}) — ${r.error?.message ?? 'no answer'}`));
    const tierLines = tiers.map((t) => `${t}: ${models[t] ?? '—'}`);
    const retry = state === 'down' && health.nextCheckAt !== undefined ? `Next check in ${Math.max(1, Math.round((health.nextCheckAt - systemClock.now()) / 1000))} s.` : '';
    item.tooltip = new vscode.MarkdownString(
      [`**Tiered** — ${state}${busy !== undefined ? `, ${busy}` : ', idle'}`, ...lines, tierLines.join('  \n'), retry, 'Click for the menu.'].filter((l) => l !== '').join('\n\n'),
    );
    item.backgroundColor = state === 'down' ? new vscode.ThemeColor('statusBarItem.errorBackground') : state === 'partial' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    // Renders follow every routed request: set the context keys only when they change.
    const noEndpoints = state === 'unknown' && reports.length === 0 && !services.settings.current['ollama.enabled'] && services.settings.current.openAiEndpoints.length === 0;
    if (state !== lastState) {
      lastState = state;
      void vscode.commands.executeCommand('setContext', 'tiered.connection', state);
    }
    if (noEndpoints !== lastNoEndpoints) {
      lastNoEndpoints = noEndpoints;
      void vscode.commands.executeCommand('setContext', 'tiered.noEndpoints', noEndpoints);
    }
  }

  render();
  item.show();
  const subscriptions: { dispose(): void }[] = [
    services.connection.onDidChange(render),
    services.routing.log.onDidChange(render),
    services.settings.onDidChange((settings) => {
      // Only a change of where or how to connect makes the reports stale; tier choices just re-render.
      const key = connectionSettingsKey(settings);
      if (key === lastConnectionKey) {
        render();
        return;
      }
      lastConnectionKey = key;
      services.connection.invalidate();
      render();
      void health.checkNow(true);
    }),
    // Back from another window: the user may have just started the server.
    vscode.window.onDidChangeWindowState((s) => {
      if (s.focused && services.connection.state === 'down') {
        void health.checkNow();
      }
    }),
  ];
  if (activity !== undefined) {
    subscriptions.push(activity.onDidChange(render));
  }
  // First check after activation without blocking it; then the watcher keeps going.
  const timer = setTimeout(() => void health.start(), 0);
  const disposable = vscode.Disposable.from(item, health, ...subscriptions.map((s) => ({ dispose: () => s.dispose() })), {
    dispose: () => {
      clearTimeout(timer);
      if (staleTimer !== undefined) {
        clearTimeout(staleTimer);
      }
    },
  });
  return Object.assign(disposable, { health });
}
