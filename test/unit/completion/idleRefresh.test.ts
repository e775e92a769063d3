/**
 * The idle stage: after a pause, the repository context is chosen again only once the pause's own request is
 * done, and the server's cache is warmed with the new prompt; typing interrupts it. SIMULATED clock and backend.
 */
import * as assert from 'node:assert/strict';
import { CompletionPipeline } from '../../../src/completion/pipeline';
import type { RepoContext, RepoContextEvent, RepoContextQuery, RepoContextSource } from '../../../src/completion/repoContextSource';
import type { CompletionRequest } from '../../../src/completion/types';
import { defaultSettings } from '../../../src/settings/readSettings';
import type { Settings } from '../../../src/settings/schema';
import { nullLogger } from '../../../src/util/logger';
import { FakeClock, FakeLlmBackend, fakeModel, flush } from '../../doubles/fakeLlmBackend';

/** A source whose context changes only when refreshed (as the real engine's frozen context). */
class RefreshingSource implements RepoContextSource {
  readonly events: RepoContextEvent[] = [];
  refreshes = 0;
  /** What the next refresh would choose. */
  next = 'v1';
  private current = 'v1';
  contextFor(): Promise<RepoContext | undefined> {
    const text = `export interface Invoice { ${this.current}: string }\n`;
    return Promise.resolve({ snippets: [], layoutPrefix: '', extraFiles: [{ filename: 'src/models.ts', text }], tokens: 10, key: this.current });
  }
  notify(event: RepoContextEvent): void {
    this.events.push(event);
  }
  refresh(query: RepoContextQuery): Promise<boolean> {
    this.refreshes++;
    assert.equal(query.signal.aborted, false);
    const changed = this.next !== this.current;
    this.current = this.next;
    return Promise.resolve(changed);
  }
}

function request(text: string): CompletionRequest {
  return { documentUri: 'file:///w/report.ts', languageId: 'typescript', text, offset: text.length, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual: false };
}

function setup(): { clock: FakeClock; backend: FakeLlmBackend; pipeline: CompletionPipeline; source: RefreshingSource } {
  const clock = new FakeClock();
  const backend = new FakeLlmBackend(clock, { kind: 'openai' });
  const source = new RefreshingSource();
  const settings: Settings = { ...defaultSettings(), 'completion.requestPolicy': 'costAware' };
  const pipeline = new CompletionPipeline({ resolveModel: () => Promise.resolve({ backend, model: fakeModel({ name: 'qwen2.5-coder:1.5b' }) }), clock, settings: () => settings, logger: nullLogger, repoContext: source });
  backend.responder = (r) => ({ tokens: r.numPredict === 0 ? [] : ['total;'], firstTokenMs: 300 });
  return { clock, backend, pipeline, source };
}

suite('completion idle stage: context chosen again after the pause, then the cache warmed', () => {
  test('waits for the pause\'s request; the changed context is warmed (zero tokens, pinned) and is what the next request carries', async () => {
    const { clock, backend, pipeline, source } = setup();
    const text = 'const net = ';
    const shown = pipeline.complete(request(text), new AbortController().signal);
    const idle = pipeline.whenIdle(request(text), () => request(text));
    source.next = 'v2';
    await clock.advance(100);
    assert.equal(source.refreshes, 0, 'not while the pause\'s request is still on its way');
    assert.equal(backend.generations[0]?.request.extraFiles?.[0]?.text.includes('v1'), true, 'the pause\'s request kept the old context');
    await clock.advance(3000);
    assert.equal((await shown).kind, 'shown');
    assert.equal(await idle, true, 'warmed');
    assert.equal(source.refreshes, 1);
    assert.ok(source.events.some((e) => e.kind === 'pause'));
    const warm = backend.generations[1];
    assert.equal(warm?.request.numPredict, 0);
    assert.equal(warm?.request.slot, 0);
    assert.ok(warm?.request.extraFiles?.[0]?.text.includes('v2'));
    assert.equal(pipeline.idle.changed, 1);
    void pipeline.complete(request(`${text}1`), new AbortController().signal);
    await clock.advance(3000);
    assert.ok(backend.generations[2]?.request.extraFiles?.[0]?.text.includes('v2'), 'the next request shares the warmed start');
  });

  test('nothing new: no warm-up (the server already holds this prompt\'s start)', async () => {
    const { clock, backend, pipeline, source } = setup();
    const text = 'const net = ';
    void pipeline.complete(request(text), new AbortController().signal);
    await clock.advance(3000);
    const idle = pipeline.whenIdle(request(text), () => request(text));
    await clock.advance(500);
    assert.equal(await idle, false);
    assert.equal(source.refreshes, 1);
    assert.equal(backend.generations.length, 1);
  });

  test('typing interrupts it: no refresh, no warm-up', async () => {
    const { clock, backend, pipeline, source } = setup();
    const text = 'const net = ';
    void pipeline.complete(request(text), new AbortController().signal);
    source.next = 'v2';
    const idle = pipeline.whenIdle(request(text), () => request(text));
    await clock.advance(100);
    void pipeline.complete(request(`${text}l`), new AbortController().signal);
    await clock.advance(3000);
    assert.equal(await idle, false);
    assert.equal(source.refreshes, 0);
    assert.ok(backend.generations.every((g) => g.request.numPredict !== 0));
  });

  test('the cursor moved meanwhile: nothing happens', async () => {
    const { clock, pipeline, source } = setup();
    source.next = 'v2';
    const idle = pipeline.whenIdle(request('const a = '), () => request('const a = 1'));
    await flush();
    await clock.advance(100);
    assert.equal(await idle, false);
    assert.equal(source.refreshes, 0);
  });
});
