import * as assert from 'node:assert/strict';
import { findPrompt, mergeSources } from '../../../src/prompts/library';
import { parsePromptFile } from '../../../src/prompts/format';
import type { PromptEntry, PromptSource, ResolvedPrompt } from '../../../src/prompts/types';
import type { PromptUsage } from '../../../src/prompts/usageStats';
import { findForRun, promptMenuItems, slashDraft, slashRunSchema, withExtraInstructions } from '../../../src/providers/prompts/slashPrompts';

function entry(source: PromptSource, name: string, extra: Partial<{ description: string; tier: 'small' | 'code' | 'moe' | 'auto'; body: string }> = {}): PromptEntry {
  const file = source === 'builtin' ? undefined : `/${source}/${name}.prompt.md`;
  return {
    id: `${source}:${file ?? name}`,
    source,
    name,
    ...(file ? { file } : {}),
    definition: { name, description: extra.description ?? '', tier: extra.tier ?? 'auto', variables: [], body: extra.body ?? `${name} body` },
    problems: [],
  };
}

function broken(name: string): PromptEntry {
  const file = `/workspace/${name}.prompt.md`;
  const parsed = parsePromptFile('---\nname: Broken\ntier: gigantic\n---\nbody\n', file);
  assert.equal(parsed.ok, false);
  return { id: `workspace:${file}`, source: 'workspace', name, file, problems: parsed.problems };
}

const noUsage: PromptUsage = { favorite: false, count: 0, lastUsed: 0 };

suite('prompts: the chat / menu (host side)', () => {
  test('lists runnable prompts favorites first then most used, hidden ones never, malformed ones last with their error', () => {
    const snap = mergeSources({
      builtin: [entry('builtin', 'Explain', { tier: 'small', description: 'Explains code' }), entry('builtin', 'Review')],
      workspace: [entry('workspace', 'Review', { tier: 'moe', body: 'Review ${input:focus} please' }), entry('workspace', 'Alpha'), broken('broken')],
    });
    const usage = (e: PromptEntry): PromptUsage => (e.name === 'Review' ? { favorite: false, count: 5, lastUsed: 1 } : e.name === 'Alpha' ? { favorite: true, count: 0, lastUsed: 0 } : noUsage);
    const items = promptMenuItems(snap, usage);
    assert.deepEqual(
      items.map((i) => `${i.source}:${i.name}`),
      ['workspace:Alpha', 'workspace:Review', 'builtin:Explain', 'workspace:broken'],
    );
    const review = items[1];
    assert.equal(review?.tier, 'moe');
    assert.equal(review?.usageCount, 5);
    assert.deepEqual(review?.inputs, ['focus']);
    assert.equal(review?.error, undefined);
    assert.equal(items[0]?.favorite, true);
    assert.equal(items[2]?.description, 'Explains code');
    const bad = items[3];
    assert.match(bad?.error ?? '', /^line 3: .*tier/);
  });

  test('a run finds the prompt by id, or by name when the id is gone or hidden; unknown names find nothing', () => {
    const snap = mergeSources({ builtin: [entry('builtin', 'Review')], workspace: [entry('workspace', 'review'), entry('workspace', 'Mine')] });
    const byName = (name: string): PromptEntry | undefined => findPrompt(snap, name);
    assert.equal(findForRun(snap, { promptId: 'workspace:/workspace/Mine.prompt.md', name: 'Mine' }, byName)?.name, 'Mine');
    // The hidden built-in's id must not run it: the winning workspace prompt runs.
    assert.equal(findForRun(snap, { promptId: 'builtin:Review', name: 'Review' }, byName)?.source, 'workspace');
    assert.equal(findForRun(snap, { promptId: 'workspace:/gone.prompt.md', name: 'Mine' }, byName)?.id, 'workspace:/workspace/Mine.prompt.md');
    assert.equal(findForRun(snap, { promptId: 'nope', name: 'Nope' }, byName), undefined);
  });

  test('the text typed after the command goes after the instructions, before the code, and is never expanded', () => {
    const prompt: ResolvedPrompt = {
      name: 'Explain',
      source: 'builtin',
      tier: 'small',
      text: 'Explain this code.\n',
      attachment: { text: 'const x = 1;', language: 'typescript', isSelection: true },
    };
    const out = withExtraInstructions(prompt, '  focus on ${selection} errors ');
    assert.equal(out.text, 'Explain this code.\n\nfocus on ${selection} errors');
    assert.deepEqual(out.attachment, prompt.attachment);
    assert.equal(out.tier, 'small');
    assert.equal(withExtraInstructions(prompt, undefined), prompt);
    assert.equal(withExtraInstructions(prompt, '   '), prompt);
  });

  test('the run argument is validated (any extension can call the command)', () => {
    assert.ok(slashRunSchema.safeParse({ promptId: 'builtin:explain', name: 'Explain', extra: 'why' }).success);
    assert.ok(slashRunSchema.safeParse({ name: 'Explain' }).success);
    for (const bad of [undefined, 'Explain', { name: '' }, { name: 'x'.repeat(201) }, { name: 'E', extra: 5 }, { name: 'E', extra: 'x'.repeat(20_001) }]) {
      assert.equal(slashRunSchema.safeParse(bad).success, false, JSON.stringify(bad)?.slice(0, 60));
    }
  });

  test('a cancelled run gives the user their command back, as they could type it again', () => {
    assert.equal(slashDraft('Write Tests', undefined), '/write-tests');
    assert.equal(slashDraft('Explain', '  focus on errors '), '/explain focus on errors');
    assert.equal(slashDraft('Review', '   '), '/review');
  });
});
