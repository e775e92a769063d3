import * as vscode from 'vscode';
import { ConnectionMonitor } from './backend/connectionMonitor';
import { features } from './features';
import { RoutingService } from './routing/routingService';
import { SpeedStats } from './routing/speedStats';
import { ApiKeyStore } from './providers/apiKeyStore';
import { BackendRegistry } from './providers/backendRegistry';
import { ChatHub } from './providers/chat/chatHub';
import { EngineService } from './providers/engine/engineService';
import { createLog } from './providers/logChannel';
import type { Services } from './providers/services';
import { SettingsService } from './providers/settingsService';
import { SensitiveFileGuard } from './providers/shared/sensitiveFileGuard';

const speedsKey = 'tiered.speeds';

/** Composition root: builds the shared services, then lets each feature register itself. */
export function activate(context: vscode.ExtensionContext): void {
  const { channel, logger } = createLog();
  const settings = new SettingsService(logger);
  const apiKeys = new ApiKeyStore(context.secrets);
  const engine = new EngineService(context, settings, logger);
  const backends = new BackendRegistry(settings, apiKeys, logger, () => engine.enabledBackend());
  const connection = new ConnectionMonitor(() => backends.all());
  const routing = new RoutingService({
    settings: () => settings.current,
    reports: () => connection.reports,
    check: () => connection.check(),
    backendById: (id) => backends.byId(id),
    // Measured speeds survive reloads, so the router knows a slow model from the first request.
    onSpeedsChanged: (speeds) => void context.globalState.update(speedsKey, speeds.toJSON()),
    askSmallModel: () => settings.current['routing.smallModelClassifier'],
  }, SpeedStats.fromJSON(context.globalState.get(speedsKey)));
  context.subscriptions.push(channel, settings, backends, connection, engine);
  const sensitiveFiles = new SensitiveFileGuard(logger);
  context.subscriptions.push(sensitiveFiles);
  const services: Services = { extension: context, log: channel, logger, settings, apiKeys, backends, connection, routing, chatHub: new ChatHub(), sensitiveFiles, engine };

  for (const feature of features) {
    // One broken feature must not take the others down: log it and go on.
    try {
      context.subscriptions.push(feature.activate(services));
    } catch (error) {
      logger.error(`Feature "${feature.name}" failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      void vscode.window.showErrorMessage(`Tiered: "${feature.name}" failed to start. See the log for details.`, 'Show Log').then((c) => c && channel.show());
    }
  }
  logger.info(`Tiered ${String(context.extension.packageJSON.version ?? '')} activated.`);
}

export function deactivate(): void {
  // Everything is released through context.subscriptions.
}
