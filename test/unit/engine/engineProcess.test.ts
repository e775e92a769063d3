import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { isTieredError } from '../../../src/backend/errors';
import { EngineBackend } from '../../../src/engine/engineBackend';
import { EngineProcess } from '../../../src/engine/engineProcess';
import type { EngineChild } from '../../../src/engine/engineProcess';
import type { EngineMessage, ParentMessage } from '../../../src/engine/protocol';

/** A child process that records what it was sent and answers as the test tells it. */
class FakeChild extends EventEmitter implements EngineChild {
  readonly sent: ParentMessage[] = [];
  killed = false;
  send(message: ParentMessage): boolean {
    if (this.killed) {
      throw new Error('channel closed');
    }
    this.sent.push(message);
    this.emit('sent', message);
    return true;
  }
  kill(): boolean {
    this.die(null, 'SIGTERM');
    return true;
  }
  reply(message: EngineMessage | Record<string, unknown>): void {
    this.emit('message', message);
  }
  die(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.killed) {
      this.killed = true;
      this.emit('exit', code, signal);
    }
  }
  lastRequestId(): number {
    const m = [...this.sent].reverse().find((s) => s.type === 'request');
    assert.ok(m !== undefined);
    return m.id;
  }
}

const gen = { kind: 'generation', text: 'ab', doneReason: 'stop', promptTokens: 5, cachedPromptTokens: 0, generatedTokens: 2, timeToFirstTokenMs: 3, totalMs: 5, loadMs: 0, contextSize: 512 } as const;

/** Options of {@link harness}: the supervisor's idle unload, and a hook that scripts each new child. */
interface HarnessOptions {
  readonly idleUnloadMs?: number;
  readonly onChild?: (child: FakeChild) => void;
}

function harness(options: HarnessOptions = {}): { children: FakeChild[]; process: EngineProcess; log: string[]; backend: EngineBackend } {
  const children: FakeChild[] = [];
  const log: string[] = [];
  const process = new EngineProcess({
    spawn: () => {
      const c = new FakeChild();
      children.push(c);
      setImmediate(() => c.reply({ type: 'ready', gpu: 'cpu' }));
      options.onChild?.(c);
      return c;
    },
    ...(options.idleUnloadMs !== undefined ? { idleUnloadMs: options.idleUnloadMs } : {}),
    log: (l) => log.push(l),
  });
  const backend = new EngineBackend({ process, models: () => [{ name: 'tiny', path: '/models/tiny.gguf' }] });
  return { children, process, log, backend };
}

async function nextSent(child: FakeChild): Promise<ParentMessage> {
  return new Promise((resolve) => child.once('sent', resolve));
}

suite('engine process supervisor (fake child)', () => {
  test('starts the process on first use, streams tokens, then done with the engine figures', async () => {
    const { children, backend } = harness();
    const events: string[] = [];
    const run = (async () => {
      for await (const e of backend.chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], numPredict: 4 })) {
        events.push(e.type === 'token' ? e.text : `done:${e.result.text}:${e.result.metrics.promptTokens}`);
      }
    })();
    await new Promise((r) => setImmediate(r));
    const child = children[0];
    const sent = child.sent[0] ?? (await nextSent(child));
    assert.equal(sent.type, 'request');
    assert.ok(sent.type === 'request' && sent.request.op === 'chat' && sent.request.modelPath === '/models/tiny.gguf' && sent.request.maxTokens === 4);
    child.reply({ type: 'token', id: sent.id, text: 'a' });
    child.reply({ type: 'token', id: sent.id, text: 'b' });
    child.reply({ type: 'result', id: sent.id, result: gen });
    await run;
    assert.deepEqual(events, ['a', 'b', 'done:ab:5']);
    assert.equal(children.length, 1);
  });

  test('a crash mid-answer fails the request with a clear error keeping the partial text; the next request restarts the process', async () => {
    const { children, process, backend, log } = harness();
    const first = process.call({ request: { op: 'tokenize', modelPath: '/m', text: 'x' }, model: 'tiny' });
    await new Promise((r) => setImmediate(r));
    const streamed: string[] = [];
    const chat = (async () => {
      for await (const e of backend.chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }] })) {
        if (e.type === 'token') {
          streamed.push(e.text);
        }
      }
    })();
    const c0 = children[0];
    while (c0.sent.length < 2) {
      await nextSent(c0);
    }
    c0.reply({ type: 'token', id: c0.lastRequestId(), text: 'par' });
    await new Promise((r) => setImmediate(r));
    c0.die(null, 'SIGKILL');
    await assert.rejects(first, (e: unknown) => isTieredError(e, 'midStream') && /stopped \(killed by SIGKILL\)/.test(e.message));
    await assert.rejects(chat, (e: unknown) => isTieredError(e, 'midStream') && e.details.partialText === 'par' && /cut off/.test(e.message) && /restarts/.test(e.message));
    assert.deepEqual(streamed, ['par']);
    assert.ok(log.some((l) => /stopped \(killed by SIGKILL\); 2 request\(s\) failed/.test(l)), log.join('\n'));

    const second = backend.countTokens('tiny', 'hello');
    await new Promise((r) => setImmediate(r));
    assert.equal(children.length, 2, 'a new process was started');
    const c1 = children[1];
    const m = c1.sent[0] ?? (await nextSent(c1));
    c1.reply({ type: 'result', id: m.id, result: { kind: 'tokens', count: 3 } });
    assert.equal(await second, 3);
    assert.equal(process.startCount, 2);
    assert.ok(log.some((l) => /restarting \(start #2\)/.test(l)));
  });

  test('abort answers at once with the partial text, tells the engine, and drops its late reply', async () => {
    const { children, backend } = harness();
    const controller = new AbortController();
    const got: string[] = [];
    const chat = (async () => {
      for await (const e of backend.generate({ model: 'tiny', prompt: 'function f(', suffix: '}', signal: controller.signal })) {
        if (e.type === 'token') {
          got.push(e.text);
          controller.abort();
        }
      }
    })();
    await new Promise((r) => setImmediate(r));
    const c = children[0];
    const req = c.sent[0] ?? (await nextSent(c));
    assert.ok(req.type === 'request' && req.request.op === 'complete' && req.request.suffix === '}');
    c.reply({ type: 'token', id: req.id, text: 'x' });
    await assert.rejects(chat, (e: unknown) => isTieredError(e, 'aborted'));
    assert.deepEqual(got, ['x']);
    assert.ok(c.sent.some((s) => s.type === 'abort' && s.id === req.id));
    c.reply({ type: 'result', id: req.id, result: gen }); // late: ignored, no throw
  });

  test('engine errors map to the shared taxonomy; malformed messages are logged and ignored', async () => {
    const { children, process, log } = harness();
    const p = process.call({ request: { op: 'complete', modelPath: '/m', prompt: 'x', numCtx: 8 }, model: 'tiny' });
    await new Promise((r) => setImmediate(r));
    const c = children[0];
    const req = c.sent[0] ?? (await nextSent(c));
    c.reply({ type: 'result', id: req.id, result: { kind: 'nonsense' } });
    c.reply({ type: 'error', id: req.id, error: { code: 'contextOverflow', message: 'too long', promptTokens: 11, contextTokens: 8 } });
    await assert.rejects(p, (e: unknown) => isTieredError(e, 'contextOverflow') && e.details.promptTokens === 11 && e.details.contextTokens === 8 && /tiny/.test(e.message));
    assert.ok(log.some((l) => /ignored a malformed message/.test(l)));
  });

  test('"not available in this build" is reported and the process is not restarted in a loop', async () => {
    const children: FakeChild[] = [];
    const process = new EngineProcess({
      spawn: () => {
        const c = new FakeChild();
        children.push(c);
        setImmediate(() => {
          c.reply({ type: 'fatal', message: 'The built-in engine is not available in this build of Tiered.' });
          c.die(2, null);
        });
        return c;
      },
    });
    await assert.rejects(process.call({ request: { op: 'status' } }), (e: unknown) => isTieredError(e, 'unreachable') && /not available in this build/.test(e.message));
    await assert.rejects(process.call({ request: { op: 'status' } }), /not available in this build/);
    assert.equal(children.length, 1);
  });

  test('a model the backend does not know is a modelNotFound error, before any process starts', async () => {
    const { children, backend } = harness();
    await assert.rejects(backend.countTokens('missing', 'x'), (e: unknown) => isTieredError(e, 'modelNotFound'));
    assert.equal(children.length, 0);
  });
});

suite('engine process idle unload (fake child)', () => {
  test('after the last request the model is unloaded once the engine was idle; a new request cancels the timer', async () => {
    const { children, process, log } = harness({
      idleUnloadMs: 30,
      // Answers every request at once: tokens for tokenize, unloaded for unload.
      onChild: (c) =>
        c.on('sent', (m: ParentMessage) => {
          if (m.type === 'request') {
            setImmediate(() => c.reply({ type: 'result', id: m.id, result: m.request.op === 'unload' ? { kind: 'unloaded' } : { kind: 'tokens', count: 1 } }));
          }
        }),
    });
    await process.call({ request: { op: 'tokenize', modelPath: '/m', text: 'a' } });
    await process.call({ request: { op: 'tokenize', modelPath: '/m', text: 'b' } });
    const c = children[0];
    const unload = await new Promise<ParentMessage>((resolve) => c.on('sent', (m: ParentMessage) => m.type === 'request' && m.request.op === 'unload' && resolve(m)));
    assert.ok(unload.type === 'request');
    const ops = c.sent.map((m) => (m.type === 'request' ? m.request.op : m.type));
    assert.deepEqual(ops, ['tokenize', 'tokenize', 'unload'], 'one unload, after the second request, not after the first');
    assert.ok(log.some((l) => /unloading the model after/.test(l)));
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(c.sent.length, 3, 'the unload itself does not arm another one');
    process.dispose();
  });
});
