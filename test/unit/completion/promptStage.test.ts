/**
 * The prompt stage's slot for repository context: what the pipeline asks a RepoContextSource, where the answer goes
 * in each backend's request, and the events the source is told about. SIMULATED clock and backend.
 */
import * as assert from 'node:assert/strict';
import { CompletionPipeline } from '../../../src/completion/pipeline';
import type { RepoContext, RepoContextEvent, RepoContextQuery, RepoContextSource } from '../../../src/completion/repoContextSource';
import type { CompletionRequest } from '../../../src/completion/types';
import { defaultSettings } from '../../../src/settings/readSettings';
import { nullLogger } from '../../../src/util/logger';
import { FakeClock, FakeLlmBackend, fakeModel } from '../../doubles/fakeLlmBackend';

class RecordingSource implements RepoContextSource {
  readonly queries: RepoContextQuery[] = [];
  readonly events: RepoContextEvent[] = [];
  fail = false;
  contextFor(query: RepoContextQuery): Promise<RepoContext | undefined> {
    this.queries.push(query);
    if (this.fail) {
      return Promise.reject(new Error('index not ready'));
    }
    return Promise.resolve({
      snippets: [{ path: 'src/models.ts', startLine: 1, endLine: 3, why: 'defines Invoice', tokens: 12 }],
      layoutPrefix: '// src/models.ts\n// export interface Invoice { id: string }\n',
      extraFiles: [{ filename: 'src/models.ts', text: 'export interface Invoice { id: string }\n' }],
      tokens: 12,
      key: 'k1',
    });
  }
  notify(event: RepoContextEvent): void {
    this.events.push(event);
  }
}

function request(text: string, uri = 'file:///w/report.ts'): CompletionRequest {
  return { documentUri: uri, languageId: 'typescript', text, offset: text.length, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual: true };
}

function setup(kind: 'ollama' | 'openai'): { clock: FakeClock; backend: FakeLlmBackend; pipeline: CompletionPipeline; source: RecordingSource } {
  const clock = new FakeClock();
  const backend = new FakeLlmBackend(clock, { kind });
  const source = new RecordingSource();
  const model = fakeModel({ name: 'qwen2.5-coder:1.5b' });
  const settings = defaultSettings();
  const pipeline = new CompletionPipeline({ resolveModel: () => Promise.resolve({ backend, model }), clock, settings: () => settings, logger: nullLogger, repoContext: source, options: { prefixTokens: 800, suffixTokens: 64 } });
  return { clock, backend, pipeline, source };
}

suite('completion prompt stage: repository context slot', () => {
  test('the source is asked with the document, cursor, model family and a quarter of the FIM budget; on llama-server the snippets go as input_extra', async () => {
    const { clock, backend, pipeline, source } = setup('openai');
    void pipeline.complete(request('const total: Invoice = '), new AbortController().signal);
    await clock.advance(500);
    const query = source.queries[0];
    assert.ok(query, 'asked');
    assert.equal(query.documentUri, 'file:///w/report.ts');
    assert.equal(query.offset, 'const total: Invoice = '.length);
    assert.equal(query.family, 'qwen');
    assert.equal(query.backendKind, 'openai');
    assert.equal(query.promptKind, 'native');
    assert.equal(query.tokenBudget, Math.round((800 + 64) / 4));
    const sent = backend.generations[0]?.request;
    assert.deepEqual(sent?.extraFiles, [{ filename: 'src/models.ts', text: 'export interface Invoice { id: string }\n' }]);
    assert.equal(sent?.prompt, 'const total: Invoice = ', 'the file prefix itself is unchanged on /infill');
  });

  test('on Ollama the layout goes before the file prefix, so it changes only with the context', async () => {
    const { clock, backend, pipeline } = setup('ollama');
    void pipeline.complete(request('const total: Invoice = '), new AbortController().signal);
    await clock.advance(500);
    assert.equal(backend.generations[0]?.request.prompt, '// src/models.ts\n// export interface Invoice { id: string }\nconst total: Invoice = ');
  });

  test('a failing source costs the prompt its context, never the completion', async () => {
    const { clock, backend, pipeline, source } = setup('openai');
    source.fail = true;
    const outcome = pipeline.complete(request('const a = '), new AbortController().signal);
    await clock.advance(500);
    assert.equal((await outcome).kind, 'shown');
    assert.equal(backend.generations[0]?.request.extraFiles, undefined);
  });

  test('the source is told about file switches, pauses and accepts', async () => {
    const { clock, pipeline, source } = setup('openai');
    void pipeline.complete(request('const a = ', 'file:///w/a.ts'), new AbortController().signal);
    await clock.advance(500);
    void pipeline.complete(request('const b = ', 'file:///w/b.ts'), new AbortController().signal);
    await clock.advance(500);
    pipeline.accepted('file:///w/b.ts', 'typescript');
    assert.deepEqual(
      source.events.map((e) => e.kind),
      ['fileSwitch', 'pause', 'fileSwitch', 'pause', 'accepted'],
    );
    const second = source.events[2];
    assert.ok(second?.kind === 'fileSwitch' && second.fromUri === 'file:///w/a.ts' && second.toUri === 'file:///w/b.ts');
  });
});
