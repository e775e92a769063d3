import * as assert from 'node:assert/strict';
import type { ChatContextItem } from '../../../src/chat/promptAssembly';
import { explainAttempts } from '../../../src/completion/attemptLog';
import { CompletionPipeline } from '../../../src/completion/pipeline';
import { prefilter } from '../../../src/completion/prefilter';
import type { CompletionRequest } from '../../../src/completion/types';
import { confirmQuestion, gate, pickerEntries, withheldNote } from '../../../src/context/exclusionGates';
import { compileExclusions, describeExclusion } from '../../../src/context/sensitiveFiles';
import { defaultSettings } from '../../../src/settings/readSettings';
import { nullLogger } from '../../../src/util/logger';
import { FakeClock, FakeLlmBackend, fakeModel } from '../../doubles/fakeLlmBackend';

/** The rules of a workspace with a user glob and a .tieredignore, as the adapter compiles them. */
const rules = compileExclusions({ settingValues: [['**/*.private']], ignoreFileText: 'fixtures/customers/*\n!fixtures/customers/README.md\n' });
const check = rules.check;

function request(path: string, overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  const exclusion = check(path);
  return {
    documentUri: `file:///w/${path}`,
    languageId: 'plaintext',
    text: 'API_KEY=',
    offset: 8,
    lineEnding: '\n',
    indent: { useTabs: false, size: 2 },
    fileSizeBytes: 8,
    manual: false,
    ...(exclusion !== undefined ? { excluded: describeExclusion(path, exclusion) } : {}),
    ...overrides,
  };
}

suite('Exclusion gate: completions', () => {
  test('the prefilter skips an excluded file first, with the rule in the message, even on a manual trigger', () => {
    const skip = prefilter(request('.env', { manual: true }), defaultSettings());
    assert.equal(skip?.reason, 'excluded');
    assert.match(skip?.message ?? '', /No completion request is sent from this file: `\.env` is excluded by the built-in exclusion `\.env` \(environment files often hold secrets\)/);
  });

  test('the exclusion wins over every other reason (completions off, mid-word)', () => {
    const settings = { ...defaultSettings(), 'completion.enabled': false };
    assert.equal(prefilter(request('secrets/db.private', { text: 'ab', offset: 1 }), settings)?.reason, 'excluded');
  });

  test('a normal file passes the prefilter; an ignore-file match does not', () => {
    assert.equal(prefilter(request('src/app.ts'), defaultSettings()), undefined);
    assert.equal(request('fixtures/customers/README.md').excluded, undefined, 'negated in .tieredignore');
    assert.match(prefilter(request('fixtures/customers/list.csv'), defaultSettings())?.message ?? '', /`fixtures\/customers\/\*` \(line 1 of \.tieredignore\)/);
  });

  test('through the pipeline: no model lookup, no request to the server, and Why No Completion? names the reason', async () => {
    const clock = new FakeClock();
    const backend = new FakeLlmBackend(clock);
    let resolved = 0;
    const pipeline = new CompletionPipeline({
      resolveModel: () => {
        resolved++;
        return Promise.resolve({ backend, model: fakeModel({ name: 'qwen2.5-coder:1.5b' }) });
      },
      clock,
      settings: () => defaultSettings(),
      logger: nullLogger,
    });
    try {
      const outcome = await pipeline.complete(request('config/.env.production', { manual: true }), new AbortController().signal);
      assert.equal(outcome.kind, 'skipped');
      assert.equal(outcome.kind === 'skipped' ? outcome.reason : undefined, 'excluded');
      await clock.advance(1000);
      assert.equal(backend.generations.length, 0, 'no generation was requested');
      assert.equal(resolved, 0, 'not even the model was looked up');
      const report = explainAttempts(pipeline.attempts.recent(), clock.now());
      assert.match(report, /\.env\.production.*skipped: No completion request is sent from this file: `config\/\.env\.production` is excluded by the built-in exclusion `\.env\.\*`/);
      assert.match(report, /Nothing to fix\./, 'a built-in exclusion is not a fault');
      await pipeline.complete(request('keys/deploy.private'), new AbortController().signal);
      assert.match(explainAttempts(pipeline.attempts.recent(), clock.now()), /What to fix:\n- .*`\*\*\/\*\.private` in setting tiered\.context\.exclude/, 'the user\'s own rule is named where it can be changed');
      assert.equal(backend.generations.length, 0);
    } finally {
      pipeline.dispose();
    }
  });
});

suite('Exclusion gate: chat attachments', () => {
  const item = (id: string, label: string, kind: ChatContextItem['kind'] = 'file'): ChatContextItem => ({ id, kind, label, languageId: 'plaintext', text: `text of ${label}` });
  /** The chat labels a selection `path:start-end`; the gate is given the path. */
  const pathOf = (i: ChatContextItem): string => i.label.replace(/:\d+-\d+$/, '');

  test('the auto-attached file and selection of an excluded editor are held back, a normal file is kept', () => {
    const offered = [item('selection', '.env:1-3', 'selection'), item('file', '.env'), item('pick:src/app.ts', 'src/app.ts')];
    const result = gate(offered, pathOf, check);
    assert.deepEqual(result.kept.map((i) => i.id), ['pick:src/app.ts']);
    assert.deepEqual(result.withheld.map((w) => w.item.id), ['selection', 'file']);
    assert.equal(result.withheld[0]?.exclusion.source, 'builtIn');
  });

  test('a file the user picked and confirmed is kept; an unconfirmed pick of an excluded file is not', () => {
    const offered = [item('pick:keys/deploy.private', 'keys/deploy.private'), item('pick:.npmrc', '.npmrc')];
    const confirmed = new Set(['pick:keys/deploy.private']);
    const result = gate(offered, pathOf, check, (i) => confirmed.has(i.id));
    assert.deepEqual(result.kept.map((i) => i.id), ['pick:keys/deploy.private']);
    assert.deepEqual(result.withheld.map((w) => w.path), ['.npmrc']);
  });

  test('text with no file behind it (an untitled buffer) is kept', () => {
    const result = gate([item('file', 'Untitled-1')], () => undefined, check);
    assert.equal(result.kept.length, 1);
  });

  test('the note names each held-back file once, with its rule, and says how to send one anyway', () => {
    const result = gate([item('selection', '.env:1-3', 'selection'), item('file', '.env')], pathOf, check);
    const note = withheldNote(result.withheld, 'Not attached');
    assert.equal(note, 'Not attached: `.env` (the built-in exclusion `.env` (environment files often hold secrets)). Tiered never sends excluded files to a model unless you attach one yourself and confirm.');
    assert.equal(withheldNote([]), undefined, 'nothing held back, nothing said');
  });
});

suite('Exclusion gate: the @ file picker', () => {
  test('excluded files are marked with their rule and listed after the others', () => {
    const entries = pickerEntries(['.env', 'src/app.ts', 'certs/server.pem', 'README.md', 'fixtures/customers/a.csv'], check);
    assert.deepEqual(entries.map((e) => e.path), ['src/app.ts', 'README.md', '.env', 'certs/server.pem', 'fixtures/customers/a.csv']);
    assert.deepEqual(entries.map((e) => e.exclusion?.source), [undefined, undefined, 'builtIn', 'builtIn', 'ignoreFile']);
  });

  test('choosing a marked file asks a question that names the file and the rule', () => {
    const exclusion = check('.env');
    assert.ok(exclusion);
    assert.equal(confirmQuestion('.env', exclusion, 'Attach it to the chat anyway'), '“.env” is a sensitive file: it is excluded by the built-in exclusion “.env” (environment files often hold secrets). Tiered does not send it to a model unless you say so. Attach it to the chat anyway?');
  });
});

suite('Exclusion gate: Explain/Review definitions', () => {
  interface Definition {
    readonly name: string;
    readonly path: string;
  }
  test('definitions found in excluded files are dropped before their files are opened; the rest are kept', () => {
    const found: Definition[] = [
      { name: 'API_KEY', path: 'config/.env' },
      { name: 'Invoice', path: 'src/invoice.ts' },
      { name: 'signingKey', path: 'keys/signing.private' },
      { name: 'customers', path: 'fixtures/customers/list.ts' },
    ];
    const result = gate(found, (d) => d.path, check);
    assert.deepEqual(result.kept.map((d) => d.name), ['Invoice']);
    assert.deepEqual(result.withheld.map((w) => w.exclusion.source), ['builtIn', 'setting', 'ignoreFile']);
    assert.match(withheldNote(result.withheld, 'Definitions left out') ?? '', /^Definitions left out: `config\/\.env` .*; `keys\/signing\.private` \(`\*\*\/\*\.private` in setting tiered\.context\.exclude\); `fixtures\/customers\/list\.ts`/);
  });
});
