import type * as vscode from 'vscode';
import type { ConnectionMonitor } from '../backend/connectionMonitor';
import type { RoutingService } from '../routing/routingService';
import type { ChatHub } from './chat/chatHub';
import type { Logger } from '../util/logger';
import type { ApiKeyStore } from './apiKeyStore';
import type { BackendRegistry } from './backendRegistry';
import type { EngineService } from './engine/engineService';
import type { SettingsService } from './settingsService';
import type { SensitiveFileGuard } from './shared/sensitiveFileGuard';

/** What every feature receives: the shared services, built once by the composition root. */
export interface Services {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly logger: Logger;
  readonly settings: SettingsService;
  readonly apiKeys: ApiKeyStore;
  readonly backends: BackendRegistry;
  readonly connection: ConnectionMonitor;
  /** Picks tier, model and backend for a request, and explains why. */
  readonly routing: RoutingService;
  /** Reaches the chat view from other features (Explain streams into it). */
  readonly chatHub: ChatHub;
  /** Which files never reach a model (built-ins, tiered.context.exclude, .tieredignore): every context source asks it. */
  readonly sensitiveFiles: SensitiveFileGuard;
  /** Tiered's built-in engine: its process, its model files, and its backend (endpoint `engine` when enabled). */
  readonly engine: EngineService;
}

/** A feature registers its commands, views and listeners, and returns what it owns. */
export interface Feature {
  readonly name: string;
  activate(services: Services): vscode.Disposable;
}
