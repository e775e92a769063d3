import * as assert from 'node:assert/strict';
import { builtinPromptEntries } from '../../../src/prompts/builtins';
import { resolvePrompt, routeCodeOf } from '../../../src/prompts/resolve';
import { isUsable } from '../../../src/prompts/types';
import type { UsablePromptEntry } from '../../../src/prompts/types';
import { featureOfPrompt, featureRouteInput, promptRoute } from '../../../src/routing/featureRoutes';
import type { RoutedFeature } from '../../../src/routing/featureRoutes';
import { route } from '../../../src/routing/router';
import type { RouteInput, RouterEnvironment } from '../../../src/routing/types';
import { fullEnv } from '../../fixtures/routing/models';

function builtin(name: string): UsablePromptEntry {
  const entry = builtinPromptEntries().find((e) => e.name === name);
  assert.ok(entry !== undefined && isUsable(entry), name);
  return entry;
}

function tierOf(input: RouteInput, env: RouterEnvironment = fullEnv()): string {
  const d = route(input, env);
  return d.kind === 'routed' ? d.tier : 'noModel';
}

// A selection of `lines` lines of TypeScript, as the editor would hand it to a prompt.
function selection(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `  total += items[${i}].price * items[${i}].quantity;`).join('\n');
}

suite('routing/featureRoutes: one source of truth for the tier of Explain and Review', () => {
  test('the built-in Explain and Review prompts declare the tier their commands use: chosen per request', () => {
    // Issue 16: the Prompts view said "code tier" / "moe tier" while the commands ran on small / code.
    assert.equal(builtin('Explain').definition.tier, 'auto');
    assert.equal(builtin('Review').definition.tier, 'auto');
    assert.equal(featureOfPrompt({ name: 'Explain', source: 'builtin' }), 'explain');
    assert.equal(featureOfPrompt({ name: 'Review', source: 'builtin' }), 'review');
    // A user's copy of the same name is their own prompt, with its own tier.
    assert.equal(featureOfPrompt({ name: 'Review', source: 'workspace' }), undefined);
  });

  test('running a built-in prompt picks the tier its command picks on the same code, at every size', () => {
    const cases: [RoutedFeature, string][] = [
      ['explain', 'Explain'],
      ['review', 'Review'],
    ];
    const tiersSeen = new Set<string>();
    for (const [feature, name] of cases) {
      for (const lines of [3, 40, 120, 400]) {
        const resolved = resolvePrompt(builtin(name), { selection: selection(lines), language: 'typescript', file: 'src/cart.ts', fileBasename: 'cart.ts' }, new Map());
        const code = routeCodeOf(resolved);
        assert.ok(code !== undefined);
        const fromPrompt = promptRoute(resolved, code);
        const promptInput: RouteInput = { task: fromPrompt.task, text: fromPrompt.routeAs?.text ?? resolved.text, ...(fromPrompt.routeAs?.code !== undefined ? { code: fromPrompt.routeAs.code } : {}) };
        const fromCommand = featureRouteInput(feature, { lines, chars: code.chars, languageId: 'typescript', fileCount: 1 });
        const commandTier = tierOf(fromCommand);
        tiersSeen.add(commandTier);
        assert.equal(tierOf(promptInput), commandTier, `${name} on ${lines} lines`);
        // Pins apply to both alike.
        const pinned = fullEnv({ pins: { [feature]: 'moe' } });
        assert.equal(tierOf(promptInput, pinned), tierOf(fromCommand, pinned), `${name} on ${lines} lines, pinned`);
      }
    }
    // The sizes cover more than one tier, so the equality above says something.
    assert.ok(tiersSeen.size >= 2, [...tiersSeen].join(','));
  });

  test('other prompts keep their own tier and model hints', () => {
    const tests = builtin('Write Tests');
    const resolved = resolvePrompt(tests, { selection: selection(10), language: 'typescript' }, new Map());
    assert.deepEqual(promptRoute(resolved, routeCodeOf(resolved)), { task: 'savedPrompt', tierHint: tests.definition.tier });
    assert.deepEqual(promptRoute({ name: 'Explain', source: 'user', tier: 'moe', model: 'm:1b' }, undefined), { task: 'savedPrompt', tierHint: 'moe', modelHint: 'm:1b' });
    assert.deepEqual(promptRoute({ name: 'Mine', source: 'user', tier: 'auto' }, undefined), { task: 'savedPrompt' });
  });
});
