/**
 * The evaluation results view: a webview panel with the suggestion, the charts and every suite's matrix, built from
 * the runs stored in each workspace folder's `.tiered/evals/`. Opened after a suite run and by "Tiered: Show
 * Evaluation Results". No scripts; its one link (apply the suggestion) is a command URI on the panel's allow-list,
 * whose argument is validated with zod and must name the suggestion on screen (a link from an older page, or from
 * anywhere else, is refused). Applying writes the user's settings through `SettingsService.writeUser`, which names
 * any workspace value that wins over them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';
import { compareRuns } from '../../evaluation/compare';
import type { EvalRun } from '../../evaluation/results';
import { FileEvalStore, previousFinishedRun } from '../../evaluation/storage';
import { latestFinishedRuns, suggestMapping } from '../../evaluation/suggest';
import type { MappingSuggestion } from '../../evaluation/suggest';
import type { SettingKey } from '../../settings/schema';
import { taskKindSchema } from '../../settings/schema';
import { createNonce } from '../../util/nonce';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import { resultsHtml, resultsPanelCommands } from './resultsHtml';
import type { SuiteResultsView } from './resultsHtml';

/** The apply link's arguments: the token of the suggestion on screen. */
const applyArgsSchema = z.tuple([z.string().regex(/^[\w-]{8,64}$/)]);

/** The user's own pins, as far as they read (anything else is replaced). */
const userPinsSchema = z.partialRecord(taskKindSchema, z.string());

/** What "apply" did (for tests). */
export interface ApplyResult {
  readonly written: Partial<Record<SettingKey, unknown>>;
  /** Keys a workspace value still wins over in this window. */
  readonly shadowed: readonly SettingKey[];
}

/** What the panel shows (for tests). */
export interface ResultsState {
  readonly html: string;
  readonly suggestion: MappingSuggestion;
  readonly suites: readonly SuiteResultsView[];
}

function evalsFolder(folder: vscode.WorkspaceFolder): string {
  return path.join(folder.uri.fsPath, '.tiered', 'evals');
}

/** The panel and its commands. */
export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: { token: string; suggestion: MappingSuggestion } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: Services) {
    this.disposables.push(
      vscode.commands.registerCommand(commandIds.showEvaluationResults, () => this.show()),
      vscode.commands.registerCommand(commandIds.applyEvaluationSuggestion, (...args: unknown[]) => this.apply(args)),
    );
  }

  /** Reads every stored run, renders the page and shows it (reusing the panel). */
  async show(): Promise<ResultsState> {
    const suites: SuiteResultsView[] = [];
    const finished: EvalRun[] = [];
    const unreadable: string[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const store = new FileEvalStore(evalsFolder(folder));
      for (const name of await store.folders()) {
        const stored = await store.listFolder(name);
        unreadable.push(...stored.unreadable.map((u) => `${name}/${u.id}: ${u.message}`));
        const latest = stored.runs[stored.runs.length - 1];
        if (latest === undefined) {
          continue;
        }
        const previous = previousFinishedRun(stored, latest.id);
        suites.push({ run: latest, ...(previous !== undefined ? { comparison: compareRuns(previous, latest) } : {}) });
        finished.push(...stored.runs.filter((r) => r.status === 'finished'));
      }
    }
    const settings = this.services.settings.current;
    const suggestion = suggestMapping(latestFinishedRuns(finished), {
      tiers: { small: settings['tiers.small.model'], code: settings['tiers.code.model'], moe: settings['tiers.moe.model'] },
      pins: settings['routing.pins'],
    });
    const token = createNonce().replace(/[^\w]/g, '').slice(0, 16).padEnd(8, '0');
    this.state = { token, suggestion };
    const html = resultsHtml({ suites, suggestion, applyToken: token, unreadable, nonce: createNonce() });
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel('tiered.evaluationResults', 'Tiered: Evaluation Results', vscode.ViewColumn.Active, {
        enableScripts: false,
        enableCommandUris: resultsPanelCommands,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.state = undefined;
      });
    } else {
      this.panel.reveal(undefined, true);
    }
    this.panel.webview.html = html;
    return { html, suggestion, suites };
  }

  /** Writes the suggestion on screen to the user's settings. */
  private async apply(args: readonly unknown[]): Promise<ApplyResult | undefined> {
    const parsed = applyArgsSchema.safeParse(args);
    const state = this.state;
    if (!parsed.success || state === undefined || parsed.data[0] !== state.token) {
      this.services.logger.warn('Evaluation: an apply link that does not match the results on screen was refused.');
      void vscode.window.showWarningMessage('Tiered: these results are out of date; showing the current ones.');
      await this.show();
      return undefined;
    }
    const s = state.suggestion;
    const written: Partial<Record<SettingKey, unknown>> = {};
    if (s.tiers.length > 0) {
      const endpoints = await this.endpointsOf(s.tiers.map((t) => t.model));
      for (const t of s.tiers) {
        written[`tiers.${t.tier}.model`] = t.model;
        written[`tiers.${t.tier}.endpoint`] = endpoints.get(t.model) ?? '';
      }
    }
    if (Object.keys(s.pins).length > 0) {
      const own = userPinsSchema.safeParse(this.services.settings.userValue('routing.pins') ?? {});
      written['routing.pins'] = { ...(own.success ? own.data : {}), ...s.pins };
    }
    if (Object.keys(written).length === 0) {
      void vscode.window.showInformationMessage('Tiered: your tiers and pins already match the evaluation results.');
      return { written, shadowed: [] };
    }
    const shadowed = await this.services.settings.writeUser(written);
    const said = [...s.tiers.map((t) => `${t.tier} → ${t.model}`), ...Object.entries(s.pins).map(([task, pin]) => `${task} pinned to ${pin}`)].join(', ');
    this.services.logger.info(`Evaluation: applied ${said} to the user settings.`);
    if (shadowed.length === 0) {
      void vscode.window.showInformationMessage(`Tiered: applied from the evaluation — ${said}.`);
    }
    await this.show();
    return { written, shadowed };
  }

  /**
   * The endpoint to write with each model: only when several endpoints are configured and the model is on exactly
   * one of them (else '' — any endpoint that has it, as Configure Tiers writes).
   */
  private async endpointsOf(models: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const backends = await this.services.backends.all();
    if (backends.length < 2) {
      return out;
    }
    const where = new Map<string, string[]>();
    for (const backend of backends) {
      try {
        for (const m of await backend.listModels()) {
          where.set(m.name, [...(where.get(m.name) ?? []), backend.id]);
        }
      } catch {
        // An endpoint that does not answer holds none of them as far as we can tell.
      }
    }
    for (const model of models) {
      const ids = where.get(model) ?? [];
      if (ids.length === 1 && ids[0] !== undefined) {
        out.set(model, ids[0]);
      }
    }
    return out;
  }

  dispose(): void {
    this.panel?.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
