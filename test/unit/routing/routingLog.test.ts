import * as assert from 'node:assert/strict';
import { RoutingLog, formatRoutingLogEntry } from '../../../src/routing/routingLog';
import { route } from '../../../src/routing/router';
import type { RouteDecision } from '../../../src/routing/types';
import { fullEnv } from '../../fixtures/routing/models';

const decision: RouteDecision = { kind: 'routed', tier: 'code', model: 'qwen2.5-coder:7b', endpointId: 'ollama', confidence: 0.8, reasons: ['code work → code tier'], fallback: false };

suite('routing/routingLog', () => {
  test('keeps the newest entries up to its capacity, oldest first', () => {
    let t = 1000;
    const log = new RoutingLog({ capacity: 3, now: () => t++ });
    const ids = [1, 2, 3, 4, 5].map((i) => log.add({ task: 'chat', text: `q${i}` }, decision));
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    const entries = log.entries();
    assert.deepEqual(entries.map((e) => e.input.text), ['q3', 'q4', 'q5']);
    assert.deepEqual(entries.map((e) => e.at), [1002, 1003, 1004]);
  });

  test('records outcomes; an entry that left the buffer reports false', () => {
    const log = new RoutingLog({ capacity: 2 });
    const a = log.add({ task: 'chat', text: 'a' }, decision);
    const b = log.add({ task: 'chat', text: 'b' }, decision);
    assert.equal(log.setOutcome(b, { status: 'failed', error: 'timeout' }), true);
    log.add({ task: 'chat', text: 'c' }, decision);
    assert.equal(log.setOutcome(a, { status: 'ok' }), false);
    assert.deepEqual(log.entries()[0]?.outcome, { status: 'failed', error: 'timeout' });
  });

  test('shortens long texts but remembers their length', () => {
    const log = new RoutingLog({ maxTextChars: 10 });
    log.add({ task: 'chat', text: 'x'.repeat(50) }, decision);
    const e = log.entries()[0];
    assert.equal(e?.input.text, `${'x'.repeat(10)}…`);
    assert.equal(e?.input.textLength, 50);
  });

  test('formats an entry with its reasons and outcome', () => {
    const log = new RoutingLog();
    const input = { task: 'chat' as const, text: 'Write a debounce function in TypeScript.' };
    const id = log.add(input, route(input, fullEnv()));
    log.setOutcome(id, { status: 'ok', metrics: { promptTokens: 1, cachedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, tokensPerSecond: 21.5, loadMs: 0, promptEvalMs: 0, totalMs: 1234 } });
    const text = formatRoutingLogEntry(log.entries()[0]!);
    assert.match(text, /^#1 chat → code · qwen2\.5-coder:7b @ ollama \(confidence 0\.\d\d\)/);
    assert.match(text, /\n {2}- .*code work/);
    assert.match(text, /outcome: ok \(1234 ms, 21\.5 tok\/s\)/);
    const none = new RoutingLog();
    none.add(input, route(input, fullEnv({ installed: [] })));
    assert.match(formatRoutingLogEntry(none.entries()[0]!), /no usable model \(wanted code\): Pull a model/);
  });

  test('clear empties the log', () => {
    const log = new RoutingLog();
    log.add({ task: 'chat', text: 'a' }, decision);
    log.clear();
    assert.equal(log.entries().length, 0);
  });
});
