import * as vscode from 'vscode';
import { z } from 'zod';
import type { EndpointReport } from '../../backend/checkConnection';
import { settingsForMapping, suggestedMapping, tierChoices } from '../../onboarding/modelChoices';
import type { ModelChoice } from '../../onboarding/modelChoices';
import type { Tier } from '../../settings/schema';
import { tierSchema, tiers } from '../../settings/schema';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';

const tierPurpose: Record<Tier, string> = {
  small: 'quick questions; fast fallback for completions',
  code: 'code work and inline completions (wants fill-in-the-middle)',
  moe: 'hard problems (a mixture-of-experts or large model)',
};

/** Programmatic use: `'suggested'`, or model names per tier (`{ code: 'qwen2.5-coder:7b' }`). */
const argSchema = z.union([z.literal('suggested'), z.partialRecord(tierSchema, z.string().trim().min(1))]);

type Choice = { readonly model: string; readonly endpointId: string };

/**
 * Reachable reports, checking once if none is known yet; explains (saying what could not be done: `purpose`, e.g.
 * "configure tiers") and returns undefined when nothing answers or no model is installed.
 */
export async function reachableReports(services: Services, purpose = 'configure tiers'): Promise<EndpointReport[] | undefined> {
  let reports = services.connection.reports.filter((r) => r.reachable);
  if (reports.length === 0) {
    reports = (await services.connection.check()).filter((r) => r.reachable);
  }
  if (reports.length === 0) {
    const why = services.connection.reports[0]?.error?.message ?? 'No model server is configured.';
    void vscode.window.showErrorMessage(`Tiered: cannot ${purpose}: ${why}`, 'Connect to a Server…', 'Check Connection').then((c) => {
      if (c === 'Connect to a Server…') {
        void vscode.commands.executeCommand(commandIds.connectServer);
      } else if (c === 'Check Connection') {
        void vscode.commands.executeCommand(commandIds.checkConnection);
      }
    });
    return undefined;
  }
  if (reports.every((r) => r.models.length === 0)) {
    void vscode.window.showWarningMessage('Tiered: the model server has no models yet. Pull one first.', 'Pull Model…').then((c) => {
      if (c) {
        void vscode.commands.executeCommand(commandIds.pullModel);
      }
    });
    return undefined;
  }
  return reports;
}

interface TierItem extends vscode.QuickPickItem {
  readonly choice?: ModelChoice;
  readonly auto?: boolean;
}

async function pickForTier(tier: Tier, step: number, choices: readonly ModelChoice[]): Promise<Choice | 'auto' | undefined> {
  const items: TierItem[] = choices.map((c) => ({
    label: `${c.suggestedReason !== undefined ? '$(star-full) ' : c.current ? '$(check) ' : ''}${c.model}`,
    description: c.description,
    detail: [c.suggestedReason !== undefined ? `Suggested: ${c.suggestedReason}` : '', c.current ? 'current setting' : '', `endpoint ${c.endpointId}`].filter((s) => s !== '').join(' · '),
    choice: c,
  }));
  items.push({ label: '$(circle-slash) Automatic', description: 'leave empty: the router picks from what is installed', auto: true });
  const qp = vscode.window.createQuickPick<TierItem>();
  qp.title = `Tiered: Configure Tiers (${step}/3) — ${tier}: ${tierPurpose[tier]}`;
  qp.placeholder = `Model for the ${tier} tier`;
  qp.matchOnDescription = true;
  qp.items = items;
  // Pre-select the router's suggestion (first), else the current setting.
  const pre = items.find((i) => i.choice?.suggestedReason !== undefined) ?? items.find((i) => i.choice?.current === true);
  if (pre !== undefined) {
    qp.activeItems = [pre];
  }
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      resolve(item?.auto === true ? 'auto' : item?.choice !== undefined ? { model: item.choice.model, endpointId: item.choice.endpointId } : undefined);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** "Tiered: Configure Tiers…": pick a model per tier (the router's suggestion pre-selected) and write the settings. */
export function registerConfigureTiers(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.configureTiers, async (arg?: unknown): Promise<Record<string, string> | undefined> => {
    const reports = await reachableReports(services);
    if (reports === undefined) {
      return undefined;
    }
    const mapping = suggestedMapping(reports);
    const all = reports.flatMap((r) => r.models.map((m) => ({ model: m.name, endpointId: r.id })));
    let chosen: Partial<Record<Tier, Choice>> = {};
    const auto: Tier[] = [];

    const parsed = arg === undefined ? undefined : argSchema.safeParse(arg);
    if (parsed !== undefined && !parsed.success) {
      void vscode.window.showErrorMessage('Tiered: Configure Tiers was called with an argument it does not understand.');
      return undefined;
    }
    if (parsed?.data === 'suggested') {
      chosen = Object.fromEntries(tiers.flatMap((t) => (mapping[t] ? [[t, mapping[t]]] : [])));
    } else if (parsed?.data !== undefined) {
      for (const [tier, model] of Object.entries(parsed.data)) {
        const found = all.find((c) => c.model === model);
        const t = tierSchema.safeParse(tier);
        if (found === undefined || !t.success) {
          void vscode.window.showErrorMessage(`Tiered: "${model}" is not installed on any reachable server; settings left unchanged.`, 'Pull Model…').then((c) => {
            if (c) {
              void vscode.commands.executeCommand(commandIds.pullModel, model);
            }
          });
          return undefined;
        }
        chosen[t.data] = found;
      }
    } else {
      const summary = tiers.map((t) => `${t}: ${mapping[t]?.model ?? '—'}`).join(' · ');
      const first = await vscode.window.showQuickPick(
        [
          { label: '$(sparkle) Use the suggested models', detail: summary, id: 'suggested' },
          { label: '$(list-selection) Choose for each tier…', detail: 'installed models with size, family, quantisation, context length, FIM support and whether loaded', id: 'each' },
          { label: '$(cloud-download) Pull a recommended model first…', id: 'pull' },
        ],
        { title: 'Tiered: Configure Tiers' },
      );
      if (first === undefined) {
        return undefined;
      }
      if (first.id === 'pull') {
        void vscode.commands.executeCommand(commandIds.pullModel);
        return undefined;
      }
      if (first.id === 'suggested') {
        chosen = Object.fromEntries(tiers.flatMap((t) => (mapping[t] ? [[t, mapping[t]]] : [])));
      } else {
        const settings = services.settings.current;
        for (const [i, tier] of tiers.entries()) {
          const current = { model: settings[`tiers.${tier}.model`], endpoint: settings[`tiers.${tier}.endpoint`] };
          const pick = await pickForTier(tier, i + 1, tierChoices(tier, reports, mapping, current));
          if (pick === undefined) {
            return undefined; // dismissed: leave every setting as it was
          }
          if (pick === 'auto') {
            auto.push(tier);
          } else {
            chosen[tier] = pick;
          }
        }
      }
    }
    const values = settingsForMapping(chosen, reports.length);
    for (const tier of auto) {
      values[`tiers.${tier}.model`] = '';
      values[`tiers.${tier}.endpoint`] = '';
    }
    await services.settings.writeUser(values);
    const text = tiers.map((t) => `${t}: ${chosen[t]?.model ?? 'automatic'}`).join(', ');
    services.logger.info(`Configure Tiers wrote ${text}.`);
    void vscode.window.showInformationMessage(`Tiered: tiers set — ${text}.`, 'Benchmark Models').then((c) => {
      if (c) {
        void vscode.commands.executeCommand(commandIds.benchmarkModels);
      }
    });
    return values;
  });
}
