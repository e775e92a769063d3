// Tiered's built-in engine (node-llama-cpp in its own process) on the project's generated GGUF models: the
// engine process is the production bundle (built here with the same esbuild options as esbuild.mjs).
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { isTieredError } from '../../src/backend/errors';
import type { GenerationEvent, GenerationResult } from '../../src/backend/types';
import { EngineBackend } from '../../src/engine/engineBackend';
import { EngineProcess } from '../../src/engine/engineProcess';
import { forkEngine } from '../../src/engine/forkEngine';
import { realEnv } from './realEnv';
import { tokenize } from './serverProbe';

const repo = join(__dirname, '..', '..');
// Inside the repository, so that the bundle resolves node-llama-cpp from node_modules like dist/engineHost.js does.
const script = join(repo, 'out', 'real-engine', 'engineHost.js');

interface Harness {
  readonly backend: EngineBackend;
  readonly process: EngineProcess;
  readonly children: ChildProcess[];
  readonly log: string[];
}

function harness(): Harness {
  const env = realEnv();
  const children: ChildProcess[] = [];
  const log: string[] = [];
  const process = new EngineProcess({
    spawn: () => {
      const child = forkEngine({ script, gpu: 'off', threads: 1, onStderr: (l) => log.push(`stderr: ${l}`) });
      children.push(child);
      return child;
    },
    log: (l) => log.push(l),
  });
  const backend = new EngineBackend({
    process,
    models: () => [
      { name: 'small', path: env.small.modelPath },
      { name: 'large', path: env.large.modelPath },
      { name: 'nofim', path: env.nofim.modelPath },
    ],
  });
  return { backend, process, children, log };
}

async function collect(stream: AsyncIterable<GenerationEvent>, onToken?: (text: string) => void): Promise<{ tokens: string[]; result: GenerationResult }> {
  const tokens: string[] = [];
  let result: GenerationResult | undefined;
  for await (const e of stream) {
    if (e.type === 'token') {
      tokens.push(e.text);
      onToken?.(e.text);
    } else {
      result = e.result;
    }
  }
  assert.ok(result !== undefined, 'the stream ended without done');
  return { tokens, result };
}

suite('real engine: the built-in engine (node-llama-cpp in its own process)', function () {
  let h: Harness;

  suiteSetup(async function () {
    this.timeout(180_000);
    mkdirSync(join(repo, 'out', 'real-engine'), { recursive: true });
    await esbuild.build({ entryPoints: [join(repo, 'src/engine/host/engineMain.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['node-llama-cpp'], logLevel: 'silent' });
    h = harness();
    // The first request starts the process (getLlama probes the binaries: seconds on a busy machine).
    await h.backend.serverInfo();
  });

  suiteTeardown(() => h.process.dispose());

  test('Check Connection: the engine says which GPU it uses (none here: the CPU) and lists the loaded model for the router', async () => {
    const info = await h.backend.serverInfo();
    assert.equal(info.version, 'node-llama-cpp; GPU: none usable, runs on the CPU');
    await collect(h.backend.generate({ model: 'small', prompt: 'const x = ', suffix: ';\n', numPredict: 4, temperature: 0 }));
    const loaded = await h.backend.listLoaded();
    assert.deepEqual(loaded.map((l) => l.name), ['small'], 'the resident model, by the name the router uses');
  });

  test('chat streams an answer through the model chat template, with exact prompt figures', async () => {
    const { tokens, result } = await collect(h.backend.chat({ model: 'small', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Name a sorting algorithm.' }], numPredict: 12, temperature: 0 }));
    assert.ok(tokens.length > 0);
    assert.equal(tokens.join(''), result.text);
    assert.ok(result.metrics.generatedTokens > 0 && result.metrics.generatedTokens <= 12, String(result.metrics.generatedTokens));
    // ChatML: <|im_start|>, role, newline, text, <|im_end|> per message + the generation prompt: more than the words alone.
    const words = await h.backend.countTokens('small', 'You are terse.Name a sorting algorithm.');
    assert.ok(words !== undefined && result.metrics.promptTokens > words + 6, `${result.metrics.promptTokens} vs ${words}`);
    const status = await h.backend.listLoaded();
    assert.equal(status[0]?.name, 'small');
  });

  test('a follow-up that extends the conversation reuses the KV cache of the shared prefix', async () => {
    const messages = [{ role: 'user' as const, content: 'Write a function that reverses a string in TypeScript.' }];
    const first = await collect(h.backend.chat({ model: 'small', messages, numPredict: 8, temperature: 0 }));
    const second = await collect(h.backend.chat({ model: 'small', messages: [...messages, { role: 'assistant', content: first.result.text }, { role: 'user', content: 'Now in Python.' }], numPredict: 8, temperature: 0 }));
    assert.ok(second.result.metrics.cachedPromptTokens >= first.result.metrics.promptTokens - 2, `${second.result.metrics.cachedPromptTokens} cached of ${first.result.metrics.promptTokens}`);
    assert.ok(second.result.metrics.cachedPromptTokens < second.result.metrics.promptTokens);
  });

  test('fill-in-the-middle works on a FIM model and is refused clearly on a model without FIM tokens', async () => {
    const { tokens, result } = await collect(h.backend.generate({ model: 'small', prompt: 'function add(a: number, b: number) {\n  return ', suffix: ';\n}\n', numPredict: 8, temperature: 0 }));
    assert.ok(tokens.length > 0 && result.text.length > 0);
    const models = await h.backend.listModels();
    assert.deepEqual(models.map((m) => [m.name, m.capabilities.insert, m.contextLength]), [['small', true, 8192], ['large', true, 8192], ['nofim', false, 8192]]);
    await assert.rejects(collect(h.backend.generate({ model: 'nofim', prompt: 'a', suffix: 'b', numPredict: 4 })), (e: unknown) => isTieredError(e, 'fimUnsupported'));
  });

  test("token counts come from the model's own tokenizer and equal llama-server's", async () => {
    const env = realEnv();
    for (const text of ['export function readLines(path: string): Promise<string[]> {\n  return lines;\n}\n', 'naïve café → ok\ttab', '']) {
      assert.equal(await h.backend.countTokens('small', text), (await tokenize(env.small.baseUrl, text)).length, JSON.stringify(text));
    }
  });

  test('embeddings: one vector per input, of the model width, different for different texts', async () => {
    const vectors = await h.backend.embed('small', ['function a() {}', 'class B {}']);
    assert.equal(vectors.length, 2);
    assert.equal(vectors[0].length, 128);
    assert.equal(vectors[1].length, 128);
    assert.notDeepEqual(vectors[0], vectors[1]);
  });

  test('a prompt that cannot fit the requested context is refused with the numbers, never truncated', async () => {
    const prompt = 'const value = compute(input);\n'.repeat(40);
    await assert.rejects(collect(h.backend.generate({ model: 'small', prompt, raw: true, numCtx: 64, numPredict: 8 })), (e: unknown) => isTieredError(e, 'contextOverflow') && (e.details.promptTokens ?? 0) > 64 && e.details.contextTokens === 64);
  });

  test('abort stops the answer at once, also while the prompt is read, and the engine serves the next request', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    await assert.rejects(
      collect(h.backend.chat({ model: 'large', messages: [{ role: 'user', content: 'Explain.' }], numPredict: 2000, signal: controller.signal }), (t) => {
        started.push(t);
        controller.abort();
      }),
      (e: unknown) => isTieredError(e, 'aborted'),
    );
    assert.equal(started.length, 1);
    const reading = new AbortController();
    const long = 'export const table = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];\n'.repeat(120);
    const tokens: string[] = [];
    const pending = collect(h.backend.generate({ model: 'large', prompt: long, raw: true, numPredict: 4, signal: reading.signal }), (t) => tokens.push(t));
    setTimeout(() => reading.abort(), 20);
    await assert.rejects(pending, (e: unknown) => isTieredError(e, 'aborted'));
    assert.equal(tokens.length, 0, 'aborted before the first token');
    const after = await collect(h.backend.chat({ model: 'large', messages: [{ role: 'user', content: 'Hi' }], numPredict: 3 }));
    assert.ok(after.result.metrics.generatedTokens > 0);
    assert.equal(h.process.startCount, 1, 'no restart was needed');
  });

  test('killing the engine process mid-answer gives a clear error, and the next request restarts it', async () => {
    const before = h.process.startCount;
    const child = h.children[h.children.length - 1];
    const seen: string[] = [];
    await assert.rejects(
      collect(h.backend.chat({ model: 'small', messages: [{ role: 'user', content: 'Tell a long story.' }], numPredict: 4000 }), (t) => {
        seen.push(t);
        if (seen.length === 2) {
          child.kill('SIGKILL');
        }
      }),
      (e: unknown) => isTieredError(e, 'midStream') && /built-in engine stopped \(killed by SIGKILL\)/.test(e.message) && /restarts with the next request/.test(e.message) && (e.details.partialText ?? '').length > 0,
    );
    assert.ok(h.log.some((l) => /stopped \(killed by SIGKILL\)/.test(l)), h.log.join('\n'));
    const next = await collect(h.backend.generate({ model: 'small', prompt: 'def f(x):\n    return ', suffix: '\n', numPredict: 4 }));
    assert.ok(next.result.text.length > 0);
    assert.equal(h.process.startCount, before + 1);
    assert.notEqual(h.children[h.children.length - 1].pid, child.pid);
  });
});
