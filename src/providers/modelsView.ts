import * as vscode from 'vscode';
import type { EndpointReport } from '../backend/checkConnection';
import type { LoadedModel, ModelInfo } from '../backend/types';
import { formatBytes, formatTokens } from '../util/format';
import { viewIds } from './commands/commandIds';
import type { Services } from './services';

type Node = { readonly kind: 'endpoint'; readonly report: EndpointReport } | { readonly kind: 'model'; readonly model: ModelInfo; readonly loaded: LoadedModel | undefined };

/** The "Models" view: each endpoint, whether it answers, and its installed models with their details. */
class ModelsTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly services: Services) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const reports = this.services.connection.reports;
      // An empty tree lets the welcome view explain what to do when nothing answers.
      return reports.some((r) => r.reachable) ? reports.map((report) => ({ kind: 'endpoint', report })) : [];
    }
    if (node.kind === 'endpoint') {
      return node.report.models.map((model) => ({ kind: 'model', model, loaded: node.report.loaded.find((l) => l.name === model.name) }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'endpoint') {
      const r = node.report;
      const item = new vscode.TreeItem(r.id, r.reachable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.description = r.reachable ? `${r.baseUrl}${r.version ? ` · ${/^\d/.test(r.version) ? `v${r.version}` : r.version}` : ''} · ${r.models.length} models` : `${r.baseUrl} · not reachable`;
      item.tooltip = r.error ? r.error.message : `${r.kind} endpoint at ${r.baseUrl}`;
      item.iconPath = new vscode.ThemeIcon(r.reachable ? 'server-environment' : 'error');
      item.contextValue = 'endpoint';
      return item;
    }
    const m = node.model;
    const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.None);
    const parts = [m.parameterSize, m.quantization, m.contextLength ? `${formatTokens(m.contextLength)} ctx` : '', fimLabel(m), node.loaded ? 'loaded' : ''].filter((p) => p !== '');
    item.description = parts.join(' · ');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${m.name}**`,
        `- family: ${m.family || 'unknown'}`,
        `- size: ${formatBytes(m.sizeBytes)}`,
        `- quantization: ${m.quantization || 'unknown'}`,
        `- context length: ${m.contextLength ?? 'unknown'}`,
        `- fill-in-the-middle: ${m.capabilities.insert === undefined ? 'unknown' : m.capabilities.insert ? 'yes' : 'no'}`,
        node.loaded ? `- loaded now (num_ctx ${node.loaded.contextLength ?? '?'})` : '- not loaded',
      ].join('\n'),
    );
    item.iconPath = new vscode.ThemeIcon(node.loaded ? 'pass-filled' : 'symbol-misc');
    item.contextValue = 'model';
    return item;
  }
}

function fimLabel(m: ModelInfo): string {
  if (m.capabilities.insert === true) {
    return 'FIM';
  }
  return m.capabilities.insert === false ? 'chat only' : '';
}

/** Registers the Models view and keeps it in step with the connection monitor. */
export function registerModelsView(services: Services): vscode.Disposable {
  const provider = new ModelsTreeProvider(services);
  const view = vscode.window.createTreeView(viewIds.models, { treeDataProvider: provider, showCollapseAll: false });
  const subscription = services.connection.onDidChange(() => provider.refresh());
  // Check once when the view first becomes visible, so opening the view shows real data.
  const visibility = view.onDidChangeVisibility((e) => {
    if (e.visible && services.connection.reports.length === 0) {
      void services.connection.check();
    }
  });
  return vscode.Disposable.from(view, visibility, { dispose: () => subscription.dispose() });
}
