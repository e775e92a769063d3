import * as assert from 'node:assert/strict';
import { route } from '../../../src/routing/router';
import { SpeedStats } from '../../../src/routing/speedStats';
import type { RouteDecision, RouteInput, RoutedDecision, RouterEnvironment } from '../../../src/routing/types';
import type { RequestMetrics } from '../../../src/backend/types';
import { catalog, fullEnv, model, on, tierSettings } from '../../fixtures/routing/models';

function routed(d: RouteDecision): RoutedDecision {
  assert.equal(d.kind, 'routed', `expected a routed decision, got ${JSON.stringify(d)}`);
  return d as RoutedDecision;
}

function hasReason(d: RouteDecision, pattern: RegExp): void {
  assert.ok(
    d.reasons.some((r) => pattern.test(r)),
    `no reason matches ${pattern}; reasons:\n  ${d.reasons.join('\n  ')}`,
  );
}

const quick: RouteInput = { task: 'chat', text: 'how do I reverse a list in python' };
const codeWork: RouteInput = { task: 'chat', text: 'Write a debounce function in TypeScript with a cancel() method.' };
const hard: RouteInput = {
  task: 'chat',
  text: 'Our Go service occasionally returns another user\'s data under load. We suspect a race condition in the session cache. How do we find it?',
};

function metrics(ttft: number, tps: number): RequestMetrics {
  return { promptTokens: 100, cachedPromptTokens: 0, generatedTokens: 50, timeToFirstTokenMs: ttft, tokensPerSecond: tps, loadMs: 0, promptEvalMs: 0, totalMs: ttft + 1000 };
}

suite('routing/router', () => {
  suite('classifier routes to the configured tier models', () => {
    test('quick question → small tier model', () => {
      const d = routed(route(quick, fullEnv()));
      assert.equal(d.tier, 'small');
      assert.equal(d.model, 'llama3.2:3b');
      assert.equal(d.endpointId, 'ollama');
      assert.equal(d.fallback, false);
      hasReason(d, /→ small tier/);
      hasReason(d, /^small tier → llama3\.2:3b \(setting tiered\.tiers\.small\.model\)$/);
    });

    test('a model already loaded is mentioned', () => {
      const d = routed(route(codeWork, fullEnv({ loaded: [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }] })));
      hasReason(d, /^code tier → qwen2\.5-coder:7b \(setting tiered\.tiers\.code\.model; already loaded\)$/);
    });

    test('code work → code tier model', () => {
      const d = routed(route(codeWork, fullEnv()));
      assert.equal(d.tier, 'code');
      assert.equal(d.model, 'qwen2.5-coder:7b');
      hasReason(d, /code work/);
    });

    test('hard problem → moe tier model, naming the signal', () => {
      const d = routed(route(hard, fullEnv()));
      assert.equal(d.tier, 'moe');
      assert.equal(d.model, 'qwen3:30b-a3b');
      hasReason(d, /concurrency \(race condition/);
      hasReason(d, /→ moe tier/);
    });

    test('code selection of 40 lines → code tier, said so', () => {
      const d = routed(route({ task: 'explain', text: 'Explain the selected code', code: { lines: 40, chars: 1500, languageId: 'typescript', fileCount: 1 } }, fullEnv()));
      assert.equal(d.tier, 'code');
      hasReason(d, /code of 40 lines → code tier/);
    });
  });

  suite('precedence: override > pin > saved-prompt hint > classifier', () => {
    const env = fullEnv({ pins: { chat: 'code' } });

    test('user override tier beats the pin, the hint and the classifier', () => {
      const d = routed(route({ ...hard, override: { tier: 'small' }, tierHint: 'code' }, env));
      assert.equal(d.tier, 'small');
      assert.equal(d.confidence, 1);
      hasReason(d, /your choice: small tier/);
      assert.ok(!d.reasons.some((r) => /pinned/.test(r)), 'the pin must not be mentioned as applied');
    });

    test('user override model is used as is', () => {
      const d = routed(route({ ...quick, override: { model: 'qwen2.5-coder:1.5b' } }, env));
      assert.equal(d.model, 'qwen2.5-coder:1.5b');
      hasReason(d, /your choice: qwen2\.5-coder:1\.5b/);
    });

    test('an override model that is not installed is ignored with a reason, and the pin applies', () => {
      const d = routed(route({ ...quick, override: { model: 'deepseek-r1:70b' } }, env));
      hasReason(d, /deepseek-r1:70b is not installed → ignored/);
      assert.equal(d.tier, 'code');
      hasReason(d, /pinned: chat → code/);
    });

    test('pin beats the saved-prompt hint and the classifier, and says so', () => {
      const d = routed(route({ ...hard, tierHint: 'moe' }, fullEnv({ pins: { chat: 'small' } })));
      assert.equal(d.tier, 'small');
      hasReason(d, /^pinned: chat → small \(setting tiered\.routing\.pins\)$/);
    });

    test('saved-prompt hint beats the classifier', () => {
      const d = routed(route({ task: 'savedPrompt', text: 'what is a monad', tierHint: 'moe' }, fullEnv()));
      assert.equal(d.tier, 'moe');
      hasReason(d, /saved prompt asks for the moe tier/);
    });

    test("tierHint 'auto' leaves the decision to the classifier", () => {
      const d = routed(route({ task: 'savedPrompt', text: 'what is a monad', tierHint: 'auto' }, fullEnv()));
      assert.equal(d.tier, 'small');
    });

    test("saved prompt's model is used when installed", () => {
      const d = routed(route({ task: 'savedPrompt', text: 'Summarise', modelHint: 'qwen2.5-coder:1.5b' }, fullEnv()));
      assert.equal(d.model, 'qwen2.5-coder:1.5b');
      hasReason(d, /saved prompt's model: qwen2\.5-coder:1\.5b/);
    });
  });

  suite('pins', () => {
    test('a task pinned to a model name uses that model', () => {
      const d = routed(route({ task: 'review', text: 'Review this code', code: { lines: 60, chars: 2000, fileCount: 1 } }, fullEnv({ pins: { review: 'qwen3:30b-a3b' } })));
      assert.equal(d.model, 'qwen3:30b-a3b');
      assert.equal(d.tier, 'moe');
      hasReason(d, /pinned: review → qwen3:30b-a3b \(setting tiered\.routing\.pins\)/);
    });

    test('"code review gets one model, explanation another"', () => {
      const env = fullEnv({ pins: { review: 'moe', explain: 'small' } });
      const code = { lines: 80, chars: 3000, languageId: 'go', fileCount: 1 };
      assert.equal(routed(route({ task: 'review', text: 'Review this code', code }, env)).model, 'qwen3:30b-a3b');
      assert.equal(routed(route({ task: 'explain', text: 'Explain this', code }, env)).model, 'llama3.2:3b');
      // Unpinned tasks still go through the classifier.
      assert.equal(routed(route(codeWork, env)).tier, 'code');
    });

    test('a pinned model that is not installed is ignored with a reason', () => {
      const d = routed(route(quick, fullEnv({ pins: { chat: 'phi4:14b' } })));
      hasReason(d, /pinned model phi4:14b for chat is not installed → pin ignored/);
      assert.equal(d.tier, 'small');
    });

    test('pins match names with or without :latest', () => {
      const env = fullEnv({ installed: [...fullEnv().installed, model('mistral:latest', { parameterBillions: 7.2 })], pins: { chat: 'mistral' } });
      assert.equal(routed(route(quick, env)).model, 'mistral:latest');
    });
  });

  suite('machine awareness: fallback with stated reasons', () => {
    test("missing moe model falls back to code with the exact reason", () => {
      const env = fullEnv({
        tiers: tierSettings({ small: 'llama3.2:3b', code: 'qwen2.5-coder:14b', moe: 'qwen3:30b-a3b' }),
        installed: [catalog.llama32_3b, catalog.qwenCoder14b],
      });
      const d = routed(route(hard, env));
      assert.equal(d.tier, 'code');
      assert.equal(d.model, 'qwen2.5-coder:14b');
      assert.equal(d.fallback, true);
      hasReason(d, /^tier moe's model qwen3:30b-a3b is not installed → fell back to code \(qwen2\.5-coder:14b\)$/);
    });

    test('a quick question falls back down first, a hard problem up first', () => {
      const env = fullEnv({
        tiers: tierSettings({ small: 'llama3.2:3b', code: 'qwen2.5-coder:7b', moe: 'qwen3:30b-a3b' }),
        installed: [catalog.llama32_3b, catalog.qwen3Moe],
      });
      // Code work whose classifier runner-up is small → down to small.
      const down = routed(route({ task: 'chat', text: 'Write a Ruby method that sums an array.' }, env));
      assert.equal(down.tier, 'small');
      hasReason(down, /tier code's model qwen2\.5-coder:7b is not installed → fell back to small/);
      // A review is careful work → up to moe.
      const up = routed(route({ task: 'review', text: 'Review this code', code: { lines: 50, chars: 1800, fileCount: 1 } }, env));
      assert.equal(up.tier, 'moe');
      hasReason(up, /fell back to moe/);
    });

    test('fallback lowers the confidence', () => {
      const env = fullEnv({ installed: [catalog.llama32_3b, catalog.qwenCoder7b] });
      const ok = routed(route(hard, fullEnv()));
      const fb = routed(route(hard, env));
      assert.ok(fb.confidence < ok.confidence, `${fb.confidence} < ${ok.confidence}`);
    });

    test('an empty tier setting uses the suggested mapping and says so', () => {
      const env = fullEnv({ tiers: tierSettings({}), installed: [catalog.qwenCoder1_5b, catalog.qwenCoder7b, catalog.qwenCoder14b, catalog.qwen3Moe, catalog.nomicEmbed] });
      const d = routed(route(codeWork, env));
      assert.equal(d.model, 'qwen2.5-coder:14b');
      hasReason(d, /tier code has no model set → suggested qwen2\.5-coder:14b: code model/);
      assert.equal(routed(route(hard, env)).model, 'qwen3:30b-a3b');
      assert.equal(routed(route(quick, env)).model, 'qwen2.5-coder:1.5b');
    });

    test('a tier model that is only on another endpoint is used there, with a reason', () => {
      const env = fullEnv({
        tiers: tierSettings({ small: 'llama3.2:3b', code: 'qwen2.5-coder:7b', moe: 'qwen3:30b-a3b' }, { moe: 'gpu-box' }),
        installed: [catalog.llama32_3b, catalog.qwenCoder7b, catalog.qwen3Moe],
      });
      const d = routed(route(hard, env));
      assert.equal(d.endpointId, 'ollama');
      hasReason(d, /not on endpoint gpu-box → using the copy on ollama/);
    });

    test("a tier's own endpoint is honoured", () => {
      const env = fullEnv({
        tiers: tierSettings({ small: 'llama3.2:3b', code: 'qwen2.5-coder:7b', moe: 'qwen3:30b-a3b' }, { moe: 'gpu-box' }),
        installed: [catalog.llama32_3b, catalog.qwenCoder7b, catalog.qwen3Moe, on('gpu-box', catalog.qwen3Moe)],
      });
      assert.equal(routed(route(hard, env)).endpointId, 'gpu-box');
    });

    test('embedding models are never chosen', () => {
      const env = fullEnv({ tiers: tierSettings({ small: 'nomic-embed-text' }), installed: [catalog.nomicEmbed, catalog.qwenCoder7b] });
      const d = routed(route(quick, env));
      assert.equal(d.model, 'qwen2.5-coder:7b');
      hasReason(d, /nomic-embed-text is not installed|fell back/);
    });

    test('every configured tier model missing: use what is installed, with a reason', () => {
      const env = fullEnv({ tiers: tierSettings({ small: 'a:1b', code: 'b:7b', moe: 'c:30b' }), installed: [catalog.llama31_8b] });
      const d = routed(route(codeWork, env));
      assert.equal(d.model, 'llama3.1:8b');
      assert.equal(d.fallback, true);
      hasReason(d, /nor is any other tier's model → using the installed llama3\.1:8b/);
    });

    test('no model installed → noModel with a suggestion', () => {
      const d = route(codeWork, fullEnv({ installed: [] }));
      assert.equal(d.kind, 'noModel');
      if (d.kind === 'noModel') {
        assert.equal(d.tier, 'code');
        assert.equal(d.suggestedModel, 'qwen2.5-coder:7b');
        assert.match(d.suggestion, /ollama pull qwen2\.5-coder:7b/);
        hasReason(d, /no models are installed/);
      }
    });

    test('only embedding models → noModel naming them', () => {
      const d = route(quick, fullEnv({ installed: [catalog.nomicEmbed] }));
      assert.equal(d.kind, 'noModel');
      hasReason(d, /only embedding models are installed \(nomic-embed-text:latest\)/);
    });
  });

  suite('loaded models', () => {
    // "Explain this" on 12 lines: small, but close to code.
    const borderline: RouteInput = { task: 'explain', text: 'Explain this function', code: { lines: 12, chars: 400, languageId: 'python', fileCount: 1 } };

    test('the borderline case is borderline', () => {
      const d = routed(route(borderline, fullEnv()));
      assert.equal(d.tier, 'small');
      assert.ok(d.confidence < 0.6, `confidence ${d.confidence}`);
    });

    test('when two tiers are close, a loaded model is preferred and said so', () => {
      const d = routed(route(borderline, fullEnv({ loaded: [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }] })));
      assert.equal(d.tier, 'code');
      assert.equal(d.model, 'qwen2.5-coder:7b');
      hasReason(d, /qwen2\.5-coder:7b is already loaded → preferred \(small and code were close/);
    });

    test('no switch when preferLoaded is off', () => {
      const d = routed(route(borderline, fullEnv({ preferLoaded: false, loaded: [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }] })));
      assert.equal(d.tier, 'small');
    });

    test('no switch for a clear-cut decision', () => {
      const d = routed(route(hard, fullEnv({ loaded: [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }] })));
      assert.equal(d.tier, 'moe');
    });

    test('the same model on two endpoints: the loaded copy wins', () => {
      const env = fullEnv({
        installed: [catalog.llama32_3b, catalog.qwenCoder7b, on('gpu-box', catalog.qwenCoder7b), catalog.qwen3Moe],
        loaded: [{ endpointId: 'gpu-box', name: 'qwen2.5-coder:7b' }],
      });
      assert.equal(routed(route(codeWork, env)).endpointId, 'gpu-box');
      assert.equal(routed(route(codeWork, { ...env, loaded: [] })).endpointId, 'ollama');
    });

    test('fallback between two equally near tiers prefers the loaded one', () => {
      const env = fullEnv({ installed: [catalog.llama32_3b, catalog.qwen3Moe], loaded: [{ endpointId: 'ollama', name: 'qwen3:30b-a3b' }] });
      const d = routed(route({ task: 'chat', text: 'Write a Ruby method that sums an array.' }, env));
      assert.equal(d.model, 'qwen3:30b-a3b');
      hasReason(d, /qwen3:30b-a3b is already loaded → preferred over llama3\.2:3b/);
    });
  });

  suite('escalation', () => {
    test('retry with a bigger tier steps up one tier', () => {
      const d = routed(route({ ...quick, escalate: 1 }, fullEnv()));
      assert.equal(d.tier, 'code');
      hasReason(d, /retry with a bigger tier: small → code/);
      const d2 = routed(route({ ...codeWork, escalate: 1 }, fullEnv()));
      assert.equal(d2.tier, 'moe');
    });

    test('escalation is capped at the largest tier, with a reason', () => {
      const d = routed(route({ ...quick, escalate: 5 }, fullEnv()));
      assert.equal(d.tier, 'moe');
      hasReason(d, /small → moe \(the largest tier\)/);
      const top = routed(route({ ...hard, escalate: 1 }, fullEnv()));
      assert.equal(top.tier, 'moe');
      hasReason(top, /already at the largest tier \(moe\)/);
    });

    test('escalation goes past a pinned tier and a pinned model', () => {
      assert.equal(routed(route({ ...quick, escalate: 1 }, fullEnv({ pins: { chat: 'small' } }))).tier, 'code');
      const d = routed(route({ ...quick, escalate: 1 }, fullEnv({ pins: { chat: 'qwen2.5-coder:7b' } })));
      assert.equal(d.model, 'qwen3:30b-a3b');
      hasReason(d, /retry with a bigger tier past qwen2\.5-coder:7b: code → moe/);
    });

    test('two failed attempts raise the tier by one and say so', () => {
      const d = routed(route({ ...codeWork, attempts: 2 }, fullEnv()));
      assert.equal(d.tier, 'moe');
      hasReason(d, /2 earlier attempts failed in this conversation → raised from code to moe/);
      assert.equal(routed(route({ ...codeWork, attempts: 1 }, fullEnv())).tier, 'code');
    });

    test("failed attempts also move past a saved prompt's model", () => {
      const d = routed(route({ task: 'savedPrompt', text: 'Write a debounce function in TypeScript', modelHint: 'qwen2.5-coder:7b', attempts: 2 }, fullEnv()));
      assert.equal(d.model, 'qwen3:30b-a3b');
      hasReason(d, /raised from code to moe \(past qwen2\.5-coder:7b\)/);
    });

    test('failed attempts do not override an explicit pin', () => {
      const d = routed(route({ ...codeWork, attempts: 3 }, fullEnv({ pins: { chat: 'code' } })));
      assert.equal(d.tier, 'code');
      hasReason(d, /3 earlier attempts failed, but the pin is kept/);
    });
  });

  suite('inline completion', () => {
    const inline: RouteInput = { task: 'inlineCompletion', text: '', code: { lines: 300, chars: 10_000, languageId: 'typescript', fileCount: 1 } };

    test('goes to the code tier', () => {
      const d = routed(route(inline, fullEnv()));
      assert.equal(d.tier, 'code');
      assert.equal(d.model, 'qwen2.5-coder:7b');
      hasReason(d, /inline completion → code tier/);
    });

    test('the completion model setting (passed as override) wins', () => {
      const d = routed(route({ ...inline, override: { model: 'qwen2.5-coder:1.5b' } }, fullEnv()));
      assert.equal(d.model, 'qwen2.5-coder:1.5b');
      hasReason(d, /completion model setting: qwen2\.5-coder:1\.5b/);
    });

    test('never a chat-only model without FIM when a FIM model exists', () => {
      const env = fullEnv({ tiers: tierSettings({ small: 'llama3.2:3b', code: 'llama3.1:8b', moe: 'qwen3:30b-a3b' }), installed: [catalog.llama32_3b, catalog.llama31_8b, catalog.qwen3Moe, catalog.qwenCoder1_5b] });
      const d = routed(route(inline, env));
      assert.equal(d.model, 'qwen2.5-coder:1.5b');
      assert.equal(d.fallback, true);
      hasReason(d, /llama3\.1:8b has no fill-in-the-middle support → using qwen2\.5-coder:1\.5b/);
      // Even when the user chose the chat model explicitly.
      assert.equal(routed(route({ ...inline, override: { model: 'llama3.1:8b' } }, env)).model, 'qwen2.5-coder:1.5b');
    });

    test('a model the user named whose family FIM tokens are known is kept without server FIM (raw prompt); not chosen automatically', () => {
      // deepseek-coder:6.7b as Ollama lists it: its template has no suffix, so no `insert` capability.
      const deepseek = model('deepseek-coder:6.7b', { family: 'llama', parameterSize: '7B', parameterBillions: 6.74, sizeBytes: 3_827_834_503 });
      const env = fullEnv({ tiers: tierSettings({ code: 'deepseek-coder:6.7b' }), installed: [deepseek, catalog.qwenCoder1_5b] });
      const named = routed(route({ ...inline, override: { model: 'deepseek-coder:6.7b' } }, env));
      assert.equal(named.model, 'deepseek-coder:6.7b');
      hasReason(named, /deepseek-coder:6\.7b: the server has no fill-in-the-middle for it → a raw prompt with its family's own FIM tokens/);
      assert.equal(routed(route(inline, env)).model, 'qwen2.5-coder:1.5b', 'the router itself prefers a model with server FIM');
    });

    test('with no FIM model at all, the chat model is used and the reason says prefix only', () => {
      const env = fullEnv({ tiers: tierSettings({ code: 'llama3.1:8b' }), installed: [catalog.llama31_8b] });
      const d = routed(route(inline, env));
      assert.equal(d.model, 'llama3.1:8b');
      hasReason(d, /no installed model has it → completing from the prefix only/);
    });

    test('a model known to lack FIM gives way to one whose support is still unknown (llama-server reveals it only when tried)', () => {
      const env = fullEnv({ tiers: tierSettings({ code: 'llama3.1:8b' }), installed: [catalog.llama31_8b, catalog.llamaServerMoe] });
      const d = routed(route(inline, env));
      assert.equal(d.model, catalog.llamaServerMoe.name);
      assert.equal(d.fallback, true);
      hasReason(d, /llama3\.1:8b has no fill-in-the-middle support → trying .* unknown until tried/);
    });

    test('unknown FIM support (llama-server) is kept, and noted', () => {
      const env = fullEnv({ tiers: tierSettings({ code: catalog.llamaServerMoe.name }), installed: [catalog.llamaServerMoe] });
      const d = routed(route(inline, env));
      assert.equal(d.endpointId, 'gpu-box');
      hasReason(d, /fill-in-the-middle support unknown/);
    });
  });

  suite('speed awareness', () => {
    const inline: RouteInput = { task: 'inlineCompletion', text: '', code: { lines: 100, chars: 3000, fileCount: 1 } };
    const env14 = (stats: SpeedStats): RouterEnvironment =>
      fullEnv({
        tiers: tierSettings({ small: 'qwen2.5-coder:1.5b', code: 'qwen2.5-coder:14b', moe: 'qwen3:30b-a3b' }),
        installed: [catalog.qwenCoder1_5b, catalog.qwenCoder14b, catalog.qwen3Moe],
        speeds: stats.snapshot(),
      });

    test('a code tier too slow for inline completion gives way to a measured faster FIM model', () => {
      const stats = new SpeedStats();
      for (let i = 0; i < 5; i++) {
        stats.record('ollama', 'qwen2.5-coder:14b', metrics(2600, 6));
        stats.record('ollama', 'qwen2.5-coder:1.5b', metrics(250, 60));
      }
      const d = routed(route(inline, env14(stats)));
      assert.equal(d.model, 'qwen2.5-coder:1.5b');
      assert.equal(d.tier, 'small');
      hasReason(d, /code tier's qwen2\.5-coder:14b is too slow for inline completion \(first token after 2\.6 s on average \(limit 1\.5 s\)\) → using qwen2\.5-coder:1\.5b \(small tier, first token after 250 ms\)/);
    });

    test('too few samples say nothing', () => {
      const stats = new SpeedStats();
      stats.record('ollama', 'qwen2.5-coder:14b', metrics(9000, 2));
      assert.equal(routed(route(inline, env14(stats))).model, 'qwen2.5-coder:14b');
    });

    test('no measured alternative: try the smaller unmeasured FIM model', () => {
      const stats = new SpeedStats();
      for (let i = 0; i < 3; i++) {
        stats.record('ollama', 'qwen2.5-coder:14b', metrics(3000, 5));
      }
      const d = routed(route(inline, env14(stats)));
      assert.equal(d.model, 'qwen2.5-coder:1.5b');
      hasReason(d, /not measured yet/);
    });

    test('hard work is not moved for speed', () => {
      const stats = new SpeedStats();
      for (let i = 0; i < 5; i++) {
        stats.record('ollama', 'qwen3:30b-a3b', metrics(20_000, 2));
      }
      assert.equal(routed(route(hard, env14(stats))).model, 'qwen3:30b-a3b');
    });

    test('an explicit completion model is kept even when slow, and the reason says so', () => {
      const stats = new SpeedStats();
      for (let i = 0; i < 5; i++) {
        stats.record('ollama', 'qwen2.5-coder:14b', metrics(2600, 6));
        stats.record('ollama', 'qwen2.5-coder:1.5b', metrics(250, 60));
      }
      const d = routed(route({ ...inline, override: { model: 'qwen2.5-coder:14b' } }, env14(stats)));
      assert.equal(d.model, 'qwen2.5-coder:14b');
      hasReason(d, /slow for inline completion .* but was chosen explicitly → kept/);
    });

    test('a slow small-tier model for a quick question gives way to a measured faster tier model', () => {
      const stats = new SpeedStats();
      for (let i = 0; i < 4; i++) {
        stats.record('ollama', 'llama3.2:3b', metrics(9000, 3));
        stats.record('ollama', 'qwen2.5-coder:7b', metrics(800, 25));
      }
      const d = routed(route(quick, fullEnv({ speeds: stats.snapshot() })));
      assert.equal(d.model, 'qwen2.5-coder:7b');
      hasReason(d, /too slow for a quick question/);
    });
  });

  suite('optional classifier verdict for borderline cases', () => {
    const borderline: RouteInput = { task: 'explain', text: 'Explain this function', code: { lines: 12, chars: 400, fileCount: 1 } };

    test('used only when the heuristic is unsure', () => {
      const d = routed(route({ ...borderline, classifierVerdict: { tier: 'code', source: 'qwen2.5:0.5b classifier' } }, fullEnv()));
      assert.equal(d.tier, 'code');
      hasReason(d, /heuristic unsure .* qwen2\.5:0\.5b classifier says code/);
      const clear = routed(route({ ...hard, classifierVerdict: { tier: 'small', source: 'x' } }, fullEnv()));
      assert.equal(clear.tier, 'moe');
    });
  });

  suite('explainable and deterministic', () => {
    const inputs: RouteInput[] = [
      quick,
      codeWork,
      hard,
      { task: 'inlineCompletion', text: '' },
      { task: 'review', text: '' },
      { task: 'explain', text: '   ' },
      { task: 'savedPrompt', text: 'x'.repeat(100_000) },
      { task: 'chat', text: '🙂🙂 \u0000 \r\n' },
    ];
    const envs: RouterEnvironment[] = [
      fullEnv(),
      fullEnv({ tiers: tierSettings({}) }),
      fullEnv({ installed: [] }),
      fullEnv({ installed: [catalog.qwenCoder0_5b] }),
      fullEnv({ tiers: tierSettings({}), installed: [catalog.codellamaBase, catalog.nomicEmbed] }),
      fullEnv({ pins: { chat: 'moe', review: 'nope:1b' }, loaded: [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }] }),
    ];

    test('every decision has at least one reason and a confidence in 0..1', () => {
      for (const env of envs) {
        for (const input of inputs) {
          for (const extra of [{}, { escalate: 1 }, { attempts: 2 }, { override: { tier: 'small' as const } }]) {
            const d = route({ ...input, ...extra }, env);
            assert.ok(d.reasons.length > 0, `no reasons for ${JSON.stringify(input).slice(0, 80)}`);
            assert.ok(d.reasons.every((r) => r.trim().length > 0));
            assert.ok(d.confidence >= 0 && d.confidence <= 1);
          }
        }
      }
    });

    test('never mutates its input or environment', () => {
      const deepFreeze = <T>(o: T): T => {
        if (typeof o === 'object' && o !== null && !(o instanceof Map)) {
          Object.values(o).forEach(deepFreeze);
          Object.freeze(o);
        }
        return o;
      };
      const stats = new SpeedStats();
      stats.record('ollama', 'qwen2.5-coder:7b', metrics(500, 30));
      const env = deepFreeze(structuredClone({ ...fullEnv({ pins: { review: 'moe' }, loaded: [{ endpointId: 'ollama', name: 'llama3.2:3b' }] }) }));
      const before = JSON.stringify(env);
      for (const input of inputs) {
        route(deepFreeze(structuredClone({ ...input, escalate: 1, attempts: 2 })), { ...env, speeds: stats.snapshot() });
      }
      assert.equal(JSON.stringify(env), before);
    });

    test('identical inputs give identical decisions', () => {
      for (const env of envs) {
        for (const input of inputs) {
          assert.deepEqual(route(input, env), route(structuredClone(input), { ...env, installed: env.installed.map((m) => ({ ...m })) }));
        }
      }
    });
  });
});
