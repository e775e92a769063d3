/**
 * Build the router's view of the machine from settings and what the backends report.
 * Pure: no `vscode` import; the extension calls it after reading settings and listing models.
 */
import type { LoadedModel, ModelInfo } from '../backend/types';
import type { Settings } from '../settings/schema';
import type { RouterEnvironment, SpeedSample } from './types';

/** The settings the router reads. */
export type RouterSettings = Pick<
  Settings,
  | 'tiers.small.model'
  | 'tiers.small.endpoint'
  | 'tiers.code.model'
  | 'tiers.code.endpoint'
  | 'tiers.moe.model'
  | 'tiers.moe.endpoint'
  | 'routing.pins'
  | 'routing.preferLoaded'
>;

/** Models loaded on one endpoint (`LlmBackend.listLoaded()`), tagged with that endpoint's id. */
export function loadedOn(endpointId: string, loaded: readonly LoadedModel[]): { endpointId: string; name: string }[] {
  return loaded.map((m) => ({ endpointId, name: m.name }));
}

/**
 * The environment for {@link route}: tier settings, pins and the loaded preference from settings;
 * installed and loaded models from every endpoint; measured speeds from `SpeedStats.snapshot()`.
 */
export function buildRouterEnvironment(
  settings: RouterSettings,
  machine: {
    readonly installed: readonly ModelInfo[];
    readonly loaded: readonly { readonly endpointId: string; readonly name: string }[];
    readonly speeds?: ReadonlyMap<string, SpeedSample>;
  },
): RouterEnvironment {
  return {
    tiers: {
      small: { model: settings['tiers.small.model'], endpoint: settings['tiers.small.endpoint'] },
      code: { model: settings['tiers.code.model'], endpoint: settings['tiers.code.endpoint'] },
      moe: { model: settings['tiers.moe.model'], endpoint: settings['tiers.moe.endpoint'] },
    },
    pins: settings['routing.pins'],
    installed: machine.installed,
    loaded: machine.loaded,
    ...(machine.speeds !== undefined ? { speeds: machine.speeds } : {}),
    preferLoaded: settings['routing.preferLoaded'],
  };
}
