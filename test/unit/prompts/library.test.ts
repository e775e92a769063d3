import * as assert from 'node:assert/strict';
import { builtinPromptEntries } from '../../../src/prompts/builtins';
import { findPrompt, mergeSources, uniqueName } from '../../../src/prompts/library';
import type { PromptEntry, PromptSource } from '../../../src/prompts/types';
import { compareForPick, UsageStats, usageKey } from '../../../src/prompts/usageStats';
import type { KeyValueStore } from '../../../src/prompts/usageStats';

function entry(source: PromptSource, name: string, body = `${source} ${name}`): PromptEntry {
  const file = source === 'builtin' ? undefined : `/${source}/${name}.prompt.md`;
  return { id: `${source}:${file ?? name}`, source, name, ...(file ? { file } : {}), definition: { name, description: '', tier: 'auto', variables: [], body }, problems: [] };
}

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  writes = 0;
  get(key: string): unknown {
    return this.data.get(key);
  }
  update(key: string, value: unknown): Promise<void> {
    this.writes++;
    this.data.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

suite('prompts: library', () => {
  test('workspace wins over user over built-in on a name clash (case-insensitive); the hidden ones say by whom', () => {
    const snap = mergeSources({
      builtin: [entry('builtin', 'Review'), entry('builtin', 'Explain')],
      user: [entry('user', 'review'), entry('user', 'Mine')],
      workspace: [entry('workspace', 'REVIEW')],
    });
    assert.equal(findPrompt(snap, 'Review')?.source, 'workspace');
    assert.equal(findPrompt(snap, 'explain')?.source, 'builtin');
    assert.deepEqual(
      snap.effective.map((e) => `${e.source}:${e.name}`),
      ['builtin:Explain', 'user:Mine', 'workspace:REVIEW'],
    );
    const hidden = snap.entries.filter((e) => e.shadowedBy !== undefined).map((e) => `${e.source}:${e.name}<${e.shadowedBy ?? ''}`);
    assert.deepEqual(hidden, ['user:review<workspace', 'builtin:Review<workspace']);
  });

  test('a malformed file is listed but hides nothing and never runs', () => {
    const broken: PromptEntry = { id: 'workspace:/w/explain.prompt.md', source: 'workspace', name: 'Explain', file: '/w/explain.prompt.md', problems: [{ file: '/w/explain.prompt.md', line: 2, column: 1, message: 'bad', severity: 'error' }] };
    const snap = mergeSources({ workspace: [broken], builtin: builtinPromptEntries() });
    assert.equal(findPrompt(snap, 'Explain')?.source, 'builtin');
    assert.ok(snap.entries.includes(broken));
    assert.equal(snap.effective.length, 6);
  });

  test('unique names for copies and kept-both imports', () => {
    assert.equal(uniqueName('Review', ['Explain']), 'Review');
    assert.equal(uniqueName('Review', ['review', 'Review (2)']), 'Review (3)');
    assert.equal(uniqueName('Review (2)', ['Review (2)']), 'Review (3)');
  });

  test('usage stats: counts, last used, favorites, persisted apart from the files and reloaded', async () => {
    const store = new MemoryStore();
    let now = 1000;
    const stats = new UsageStats(store, () => now);
    const key = usageKey({ source: 'workspace', name: 'Review', file: '/w/.tiered/prompts/review.prompt.md' });
    assert.equal(key, 'workspace:/w/.tiered/prompts:review');
    await stats.recordRun(key);
    now = 2000;
    await stats.recordRun(key);
    assert.equal(await stats.toggleFavorite(key), true);
    assert.deepEqual(stats.get(key), { favorite: true, count: 2, lastUsed: 2000 });
    const reloaded = new UsageStats(store);
    assert.deepEqual(reloaded.get(key), { favorite: true, count: 2, lastUsed: 2000 });
    await reloaded.move(key, 'user:review');
    assert.deepEqual(reloaded.get('user:review'), { favorite: true, count: 2, lastUsed: 2000 });
    assert.equal(reloaded.get(key).count, 0);
  });

  test('usage stats survive garbage in the store', () => {
    const store = new MemoryStore();
    store.data.set('tiered.promptUsage', { version: 1, prompts: 'nope' });
    assert.deepEqual(new UsageStats(store).get('x'), { favorite: false, count: 0, lastUsed: 0 });
    store.data.set('tiered.promptUsage', { version: 1, prompts: [['a', { favorite: 'yes', count: -3, lastUsed: 5 }]] });
    assert.deepEqual(new UsageStats(store).get('a'), { favorite: false, count: 0, lastUsed: 5 });
  });

  test('quick-pick order: favorites first, then most used, then most recent, then name', () => {
    const items = [
      { name: 'b', usage: { favorite: false, count: 5, lastUsed: 1 } },
      { name: 'a', usage: { favorite: false, count: 0, lastUsed: 0 } },
      { name: 'fav', usage: { favorite: true, count: 0, lastUsed: 0 } },
      { name: 'c', usage: { favorite: false, count: 5, lastUsed: 9 } },
    ];
    assert.deepEqual(
      items.sort(compareForPick).map((i) => i.name),
      ['fav', 'c', 'b', 'a'],
    );
  });
});
