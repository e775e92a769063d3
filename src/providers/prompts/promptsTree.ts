import * as vscode from 'vscode';
import { promptFileExtension } from '../../prompts/format';
import type { PromptEntry, PromptSource } from '../../prompts/types';
import type { PromptUsage } from '../../prompts/usageStats';
import type { PromptLibraryService } from './promptLibraryService';

/** A node of the Prompts view: a source group, or a prompt. */
export type PromptNode = { readonly kind: 'group'; readonly source: PromptSource } | { readonly kind: 'prompt'; readonly entry: PromptEntry };

const groupLabels: Readonly<Record<PromptSource, string>> = { workspace: 'Workspace', user: 'User', builtin: 'Built-in' };

/** `contextValue` of a prompt item: `tieredPrompt.<source>`, plus `.broken` for a malformed file. Menus match on it. */
export function promptContextValue(entry: PromptEntry): string {
  return `tieredPrompt.${entry.source}${entry.definition === undefined ? '.broken' : ''}`;
}

/** "3 runs · 2 h ago" */
export function usageText(usage: PromptUsage, now: number): string {
  if (usage.count === 0) {
    return '';
  }
  return `${usage.count} run${usage.count === 1 ? '' : 's'} · ${ago(now - usage.lastUsed)}`;
}

function ago(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) {
    return 'just now';
  }
  if (min < 60) {
    return `${min} min ago`;
  }
  const h = Math.floor(min / 60);
  if (h < 24) {
    return `${h} h ago`;
  }
  const d = Math.floor(h / 24);
  return d < 60 ? `${d} d ago` : `${Math.floor(d / 30)} mo ago`;
}

/** The "Prompts" view: grouped by source; favorites first with a star; malformed files with an error mark. */
export class PromptsTreeProvider implements vscode.TreeDataProvider<PromptNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly library: PromptLibraryService) {}

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  getChildren(node?: PromptNode): PromptNode[] {
    const entries = this.library.snapshot.entries;
    if (node === undefined) {
      const groups: PromptNode[] = [];
      if (this.library.workspaceFolders.length > 0) {
        groups.push({ kind: 'group', source: 'workspace' });
      }
      groups.push({ kind: 'group', source: 'user' }, { kind: 'group', source: 'builtin' });
      return groups;
    }
    if (node.kind === 'group') {
      const inGroup = entries.filter((e) => e.source === node.source);
      const fav = (e: PromptEntry): number => (this.library.usage(e).favorite ? 0 : 1);
      return inGroup
        .map((entry, index) => ({ entry, index }))
        .sort((a, b) => fav(a.entry) - fav(b.entry) || a.index - b.index)
        .map(({ entry }) => ({ kind: 'prompt', entry }));
    }
    return [];
  }

  getParent(node: PromptNode): PromptNode | undefined {
    return node.kind === 'prompt' ? { kind: 'group', source: node.entry.source } : undefined;
  }

  getTreeItem(node: PromptNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const count = this.library.snapshot.entries.filter((e) => e.source === node.source).length;
      const item = new vscode.TreeItem(groupLabels[node.source], vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.source}`;
      item.description =
        node.source === 'workspace' ? `.tiered/prompts · ${count}` : node.source === 'user' ? `${count} · only on this machine` : `${count} · read-only`;
      item.contextValue = `tieredPromptGroup.${node.source}`;
      item.iconPath = new vscode.ThemeIcon(node.source === 'workspace' ? 'repo' : node.source === 'user' ? 'account' : 'library');
      return item;
    }
    const e = node.entry;
    const usage = this.library.usage(e);
    const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.None);
    item.id = e.id;
    item.contextValue = promptContextValue(e);
    const errors = e.problems.filter((p) => p.severity === 'error');
    const parts: string[] = [];
    if (errors.length > 0) {
      parts.push(`error: ${errors[0]?.message ?? ''}`);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    } else {
      if (e.shadowedBy !== undefined) {
        parts.push(`hidden by ${groupLabels[e.shadowedBy].toLowerCase()} prompt`);
      }
      if (e.definition !== undefined) {
        // The tier it runs on: a fixed one, or chosen per request (built-in Explain / Review: as their commands).
        parts.push(e.definition.tier === 'auto' ? 'tier by request' : `${e.definition.tier} tier`);
      }
      const used = usageText(usage, Date.now());
      if (used !== '') {
        parts.push(used);
      }
      item.iconPath = new vscode.ThemeIcon(usage.favorite ? 'star-full' : e.shadowedBy !== undefined ? 'eye-closed' : 'comment-discussion');
    }
    item.description = parts.join(' · ');
    item.tooltip = tooltip(e, usage);
    item.resourceUri = e.file !== undefined ? vscode.Uri.file(e.file) : undefined;
    item.command =
      e.file !== undefined
        ? { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(e.file)] }
        : { command: 'vscode.open', title: 'Open', arguments: [builtinUri(e)] };
    return item;
  }
}

/** Read-only URI under which a built-in prompt is shown. */
export function builtinUri(entry: PromptEntry): vscode.Uri {
  return vscode.Uri.from({ scheme: 'tiered-prompt', path: `/${entry.id.replace(/^builtin:/, '')}${promptFileExtension}` });
}

function tooltip(e: PromptEntry, usage: PromptUsage): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(e.name)}**${usage.favorite ? ' $(star-full)' : ''}\n\n`);
  if (e.definition?.description) {
    md.appendMarkdown(`${escapeMd(e.definition.description)}\n\n`);
  }
  md.appendMarkdown(`- source: ${groupLabels[e.source]}${e.file ? ` (\`${e.file}\`)` : ''}\n`);
  if (e.definition) {
    md.appendMarkdown(`- tier: ${e.definition.tier}${e.definition.model ? ` · model: ${escapeMd(e.definition.model)}` : ''}\n`);
    if (e.definition.variables.length > 0) {
      md.appendMarkdown(`- inputs: ${e.definition.variables.map((v) => escapeMd(v.name)).join(', ')}\n`);
    }
  }
  if (usage.count > 0) {
    md.appendMarkdown(`- used ${usage.count}×, last ${new Date(usage.lastUsed).toLocaleString()}\n`);
  }
  if (e.shadowedBy) {
    md.appendMarkdown(`- hidden by the ${groupLabels[e.shadowedBy].toLowerCase()} prompt of the same name\n`);
  }
  for (const p of e.problems) {
    md.appendMarkdown(`\n${p.severity === 'error' ? '$(error)' : '$(warning)'} line ${p.line}: ${escapeMd(p.message)}\n`);
  }
  return md;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, '\\$&');
}
