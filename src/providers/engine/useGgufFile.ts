import * as os from 'node:os';
import * as vscode from 'vscode';
import type { EngineTier } from '../../engine/catalogue';
import { ggufFolders, scanGgufFiles } from '../../engine/ggufScan';
import { formatBytes } from '../../util/format';
import type { Services } from '../services';
import { announceReady, availableHere, enableEngine } from './useBuiltinEngine';

interface FileItem extends vscode.QuickPickItem {
  readonly path?: string;
}

interface TierItem extends vscode.QuickPickItem {
  readonly tiers: readonly EngineTier[];
}

/**
 * "Use a GGUF File I Already Have…": offers the GGUF files found in LM Studio's and llama.cpp's model folders, or
 * a file picker; the file is added to `tiered.engine.modelFiles` (nothing is copied) and put on the tiers chosen.
 */
export async function useGgufFile(services: Services): Promise<boolean> {
  if (!availableHere(services)) {
    return false;
  }
  const found = scanGgufFiles(ggufFolders(os.homedir(), process.env, process.platform));
  const browse: FileItem = { label: '$(folder-opened) Browse for a .gguf file…' };
  let path: string | undefined;
  if (found.length > 0) {
    const pick = await vscode.window.showQuickPick<FileItem>(
      [browse, { label: '', kind: vscode.QuickPickItemKind.Separator }, ...found.map((f) => ({ label: f.path.split(/[\\/]/).pop() ?? f.path, description: `${formatBytes(f.sizeBytes)} · ${f.source}`, detail: f.path, path: f.path }))],
      { title: 'Tiered: Use a GGUF File I Already Have', matchOnDetail: true },
    );
    if (pick === undefined) {
      return false;
    }
    path = pick.path;
  }
  if (path === undefined) {
    const uris = await vscode.window.showOpenDialog({ title: 'Tiered: choose a GGUF model file', canSelectMany: false, filters: { 'GGUF models': ['gguf'] }, openLabel: 'Use This Model' });
    path = uris?.[0]?.fsPath;
    if (path === undefined) {
      return false;
    }
  }
  const tierPick = await vscode.window.showQuickPick<TierItem>(
    [
      { label: 'Every tier', detail: 'One model for completions, chat and hard questions', tiers: ['small', 'code', 'moe'] },
      { label: 'Small tier', detail: 'Completions and quick questions (a ~1.5B model)', tiers: ['small'] },
      { label: 'Code tier', detail: 'Chat, explain and review (a ~7–14B model)', tiers: ['code'] },
      { label: 'Hard-problem tier', detail: 'A large or mixture-of-experts model', tiers: ['moe'] },
    ],
    { title: `Tiered: which tier does ${path.split(/[\\/]/).pop() ?? path} serve?` },
  );
  if (tierPick === undefined) {
    return false;
  }
  const before = services.settings.userValue('engine.modelFiles');
  const list = Array.isArray(before) ? before.filter((p): p is string => typeof p === 'string') : [];
  if (!list.includes(path)) {
    await services.settings.writeUser({ 'engine.modelFiles': [...list, path] });
  }
  services.engine.refresh();
  const name = services.engine.models.find((m) => m.path === path)?.name;
  if (name === undefined) {
    void vscode.window.showErrorMessage(`Tiered: ${path} cannot be read as a file.`);
    return false;
  }
  const assign: Partial<Record<EngineTier, string>> = {};
  for (const t of tierPick.tiers) {
    assign[t] = name;
  }
  const note = await enableEngine(services, assign);
  void announceReady(assign, note);
  return true;
}
