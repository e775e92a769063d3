import * as assert from 'node:assert/strict';
import { cannotCompleteError, detectFimFamily, fimTemplates, knownSpecialTokens, planFim, specialTokenCut, stripSpecialTokens, suggestedCompletionModel } from '../../../src/completion/templates';
import type { FimFamily } from '../../../src/completion/templates';
import { fakeModel } from '../../doubles/fakeLlmBackend';

const prefix = 'def add(a, b):\n    ';
const suffix = '\n\nprint(add(1, 2))\n';

suite('completion templates', () => {
  suite('golden prompts', () => {
    const golden: Record<FimFamily, string> = {
      qwen: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
      codellama: '<PRE> def add(a, b):\n     <SUF>\n\nprint(add(1, 2))\n <MID>',
      deepseek: '<｜fim▁begin｜>def add(a, b):\n    <｜fim▁hole｜>\n\nprint(add(1, 2))\n<｜fim▁end｜>',
      starcoder: '<fim_prefix>def add(a, b):\n    <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>',
      codegemma: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
      codestral: '[SUFFIX]\n\nprint(add(1, 2))\n[PREFIX]def add(a, b):\n    ',
    };
    for (const family of Object.keys(golden) as FimFamily[]) {
      test(family, () => {
        assert.equal(fimTemplates[family].build(prefix, suffix), golden[family]);
      });
    }

    test('deepseek uses full-width bars and ▁, not ASCII', () => {
      const built = fimTemplates.deepseek.build('a', 'b');
      assert.ok(!built.includes('<|'));
      assert.ok(built.includes('｜fim▁begin｜'));
    });
  });

  suite('stops', () => {
    test('each family stops on its own end and sentinel tokens', () => {
      assert.ok(fimTemplates.qwen.stops.includes('<|endoftext|>'));
      assert.ok(fimTemplates.qwen.stops.includes('<|file_sep|>'));
      assert.ok(fimTemplates.codellama.stops.includes('<EOT>'));
      assert.ok(fimTemplates.deepseek.stops.includes('<｜end▁of▁sentence｜>'));
      assert.ok(fimTemplates.starcoder.stops.includes('<file_sep>'));
      assert.ok(fimTemplates.codegemma.stops.includes('<|file_separator|>'));
      assert.ok(fimTemplates.codestral.stops.includes('[PREFIX]'));
    });
  });

  suite('family detection', () => {
    const cases: Array<[string, FimFamily | undefined]> = [
      ['qwen2.5-coder:1.5b', 'qwen'],
      ['qwen2.5-coder:7b-base-q4_K_M', 'qwen'],
      ['codeqwen:7b', 'qwen'],
      ['codellama:7b-code', 'codellama'],
      ['deepseek-coder:1.3b-base', 'deepseek'],
      ['deepseek-coder-v2:16b', 'deepseek'],
      ['starcoder2:3b', 'starcoder'],
      ['stable-code:3b', 'starcoder'],
      ['codegemma:2b', 'codegemma'],
      ['codestral:22b', 'codestral'],
      ['llama3.2:3b', undefined],
      ['qwen3:30b-a3b', undefined],
    ];
    for (const [name, family] of cases) {
      test(`${name} → ${family ?? 'unknown'}`, () => {
        assert.equal(detectFimFamily({ name, template: undefined }), family);
      });
    }

    test('an unknown name with a FIM template is detected from the template', () => {
      assert.equal(detectFimFamily({ name: 'my-model:latest', template: '{{ if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ end }}' }), 'qwen');
      assert.equal(detectFimFamily({ name: 'custom', template: '<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>' }), 'codellama');
    });
  });

  suite('native vs raw', () => {
    test('Ollama model with insert → native, with the family stops', () => {
      const plan = planFim(fakeModel({ name: 'qwen2.5-coder:1.5b' }), 'ollama');
      assert.equal(plan.kind, 'native');
      assert.ok(plan.kind === 'native' && plan.stops.includes('<|fim_middle|>'));
    });

    test('OpenAI-compatible endpoint → native (the backend maps suffix to /infill)', () => {
      const model = fakeModel({ name: 'whatever.gguf', capabilities: { completion: true, insert: undefined, tools: false, thinking: false, vision: false, embedding: false } });
      assert.equal(planFim(model, 'openai').kind, 'native');
    });

    test('known family without insert → raw with sentinels', () => {
      const model = fakeModel({ name: 'deepseek-coder:6.7b-base', capabilities: { completion: true, insert: false, tools: false, thinking: false, vision: false, embedding: false } });
      const plan = planFim(model, 'ollama');
      assert.equal(plan.kind, 'raw');
      assert.ok(plan.kind === 'raw' && plan.template.build('p', 's') === '<｜fim▁begin｜>p<｜fim▁hole｜>s<｜fim▁end｜>');
    });

    test('chat-only model of unknown family → unsupported, naming a completion model', () => {
      const model = fakeModel({ name: 'llama3.2:3b', capabilities: { completion: true, insert: false, tools: true, thinking: false, vision: false, embedding: false } });
      const plan = planFim(model, 'ollama');
      assert.equal(plan.kind, 'unsupported');
      if (plan.kind === 'unsupported') {
        assert.equal(plan.error.kind, 'fimUnsupported');
        assert.match(plan.error.message, /llama3\.2:3b/);
        assert.ok(plan.error.message.includes(suggestedCompletionModel));
        assert.deepEqual(plan.error.action, { kind: 'chooseCompletionModel', model: suggestedCompletionModel });
      }
    });

    test('embedding model → unsupported', () => {
      const model = fakeModel({ name: 'nomic-embed-text', capabilities: { completion: false, insert: false, tools: false, thinking: false, vision: false, embedding: true } });
      assert.equal(planFim(model, 'ollama').kind, 'unsupported');
    });

    test('cannotCompleteError is a fimUnsupported TieredError', () => {
      assert.equal(cannotCompleteError('x', 'why').kind, 'fimUnsupported');
    });
  });

  suite('special-token filter', () => {
    test('cuts at every known sentinel of every family', () => {
      for (const token of knownSpecialTokens) {
        const family = (Object.keys(fimTemplates) as FimFamily[]).find((f) => fimTemplates[f].specialTokens.includes(token));
        const out = stripSpecialTokens(`return x;${token}garbage`, family);
        assert.equal(out, 'return x;', `token ${token}`);
      }
    });

    test('cuts any <|...|> control token, even unknown ones', () => {
      assert.equal(stripSpecialTokens('a + b<|some_new_token|>junk', 'qwen'), 'a + b');
      assert.equal(stripSpecialTokens('a + b<｜end▁of▁sentence｜>', undefined), 'a + b');
    });

    test('keeps <PRE> in HTML unless the model is Code Llama', () => {
      assert.equal(stripSpecialTokens('<PRE>code</PRE>', 'qwen'), '<PRE>code</PRE>');
      assert.equal(stripSpecialTokens('x <PRE> y', 'codellama'), 'x ');
    });

    test('drops a trailing fragment of a token at the end of the stream', () => {
      assert.equal(stripSpecialTokens('foo()<|endof', 'qwen'), 'foo()');
      assert.equal(stripSpecialTokens('foo()<fim_', 'starcoder'), 'foo()');
      assert.equal(specialTokenCut('foo()<|endof', 'qwen', false), 'foo()<|endof'.length);
    });

    test('clean code is untouched', () => {
      const code = 'if (a < b && c > d) { arr[i] = x | y; }';
      assert.equal(stripSpecialTokens(code, 'qwen'), code);
    });
  });
});
