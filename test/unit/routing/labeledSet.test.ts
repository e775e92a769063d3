import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { evaluateRouter, parseLabeledSet } from '../../../src/routing/evaluate';
import { route } from '../../../src/routing/router';
import { fullEnv } from '../../fixtures/routing/models';

const file = path.join(__dirname, '../../fixtures/routing/labeledRequests.json');
const requests = parseLabeledSet(JSON.parse(readFileSync(file, 'utf8')));

suite('routing/labeled set', () => {
  test('has at least 80 realistic requests covering every tier, task kind and several languages', () => {
    assert.ok(requests.length >= 80, `${requests.length}`);
    for (const tier of ['small', 'code', 'moe'] as const) {
      assert.ok(requests.filter((r) => r.expected === tier).length >= 20, tier);
    }
    for (const task of ['chat', 'explain', 'review', 'savedPrompt', 'inlineCompletion'] as const) {
      assert.ok(requests.some((r) => r.task === task), task);
    }
    // Non-English questions (German, French, Spanish, Portuguese, Chinese, Japanese, Russian).
    assert.ok(requests.filter((r) => /[äöüßéèçñ¿¡ãõ]|[\u3040-\u30ff\u4e00-\u9fff]|[\u0400-\u04ff]/i.test(r.text)).length >= 12);
    assert.equal(new Set(requests.map((r) => r.id)).size, requests.length, 'ids are unique');
  });

  test('router accuracy on the tuned (dev) split is at least 90 %', () => {
    const e = evaluateRouter(
      requests.filter((r) => (r.split ?? 'dev') === 'dev'),
      fullEnv(),
    );
    const misroutes = e.misroutes.map((m) => `${m.id}: expected ${m.expected}, got ${m.got}`).join('\n');
    assert.ok(e.accuracy >= 0.9, `accuracy ${e.accuracy.toFixed(3)}; misroutes:\n${misroutes}`);
    assert.equal(e.correct + e.misroutes.length, e.total);
  });

  test('the held-out part (never tuned on) stays above 85 %', () => {
    const holdout = requests.filter((r) => r.split === 'holdout');
    assert.ok(holdout.length >= 60, `${holdout.length}`);
    const e = evaluateRouter(holdout, fullEnv());
    assert.ok(e.accuracy >= 0.85, `holdout accuracy ${e.accuracy.toFixed(3)}`);
  });

  test('the held-out short definitional questions (round 4) go to the small tier', () => {
    const definitional = requests.filter((r) => r.id.startsWith('h4-def-'));
    assert.ok(definitional.length >= 20, `${definitional.length}`);
    const e = evaluateRouter(definitional, fullEnv());
    assert.ok(e.accuracy >= 0.9, e.misroutes.map((m) => `${m.id}: ${m.got}`).join(', '));
  });

  test('every labeled request gets a decision with reasons', () => {
    for (const r of requests) {
      assert.ok(route({ task: r.task, text: r.text }, fullEnv()).reasons.length > 0, r.id);
    }
  });
});
