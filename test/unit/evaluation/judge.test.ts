import * as assert from 'node:assert/strict';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { layoutPrompt } from '../../../src/context/layout';
import { chooseJudge } from '../../../src/evaluation/judge/choose';
import { parseJudgeAnswer } from '../../../src/evaluation/judge/parse';
import { judgeItems, judgeRenderer } from '../../../src/evaluation/judge/prompt';
import { fakeModel } from '../../doubles/fakeLlmBackend';

const criteria = ['Names the off-by-one', 'Suggests a fix', 'Is polite'];

suite('evaluation judge', () => {
  test('JSON verdicts, also fenced or after chatter, map to criteria in order', () => {
    const json = JSON.stringify({ verdicts: [{ criterion: 1, pass: true, reason: 'says <= reads past the end' }, { criterion: 2, pass: false, reason: 'no fix' }, { criterion: 3, pass: 'yes', reason: 'fine' }] });
    for (const raw of [json, `\`\`\`json\n${json}\n\`\`\``, `<think>hmm</think>Here is my judgment: ${json}`]) {
      const v = parseJudgeAnswer(raw, criteria);
      assert.deepEqual(v.map((x) => x.status), ['pass', 'fail', 'pass'], raw);
      assert.equal(v[0]?.reason, 'says <= reads past the end');
    }
  });

  test('numbered YES/NO lines are read too', () => {
    const v = parseJudgeAnswer('1. YES - names it\n2) **NO**: nothing\nCriterion 3: yes, polite', criteria);
    assert.deepEqual(v.map((x) => x.status), ['pass', 'fail', 'pass']);
    assert.equal(v[1]?.reason, 'nothing');
  });

  test('gibberish, empty answers and refusals are judge failures, never passes', () => {
    for (const [raw, reason] of [
      ['lorem ipsum dolor sit amet yes yes yes', /could not be read/],
      ['', /empty/],
      ["I'm sorry, but I can't help with evaluating this.", /refused/],
      ['{"verdicts": "all good"}', /could not be read|no verdict/],
    ] as const) {
      const v = parseJudgeAnswer(raw, criteria);
      assert.equal(v.length, 3);
      for (const x of v) {
        assert.equal(x.status, 'judge-failed', raw);
        assert.match(x.reason, reason);
      }
    }
  });

  test('a partial answer fails only the missing or contradicting criteria', () => {
    const v = parseJudgeAnswer('1. YES ok\n3. NO rude\n3. YES polite', criteria);
    assert.deepEqual(v.map((x) => x.status), ['pass', 'judge-failed', 'judge-failed']);
    assert.match(v[1]?.reason ?? '', /no verdict/);
    assert.match(v[2]?.reason ?? '', /both yes and no/);
    const json = parseJudgeAnswer('{"verdicts":[{"criterion":2,"pass":true,"reason":"r"},{"criterion":1,"pass":"maybe"}]}', criteria);
    assert.deepEqual(json.map((x) => x.status), ['judge-failed', 'pass', 'judge-failed']);
  });

  test('the judge prompt puts instructions first, the answer and the criteria last', () => {
    const answer = 'Use `<` here:\n```ts\nfor (i < n)\n```';
    const layout = layoutPrompt(judgeItems({ task: 'Review this loop', answer, criteria }), 4000, approximateCounter(), { render: judgeRenderer });
    const t = layout.text;
    assert.ok(t.startsWith('You are a strict, impartial judge'));
    assert.ok(t.indexOf('The task the assistant was given') < t.indexOf('The answer to judge'));
    assert.ok(t.indexOf('The answer to judge') < t.indexOf('1. Names the off-by-one'));
    assert.ok(t.includes('````\nUse `<` here'), 'the answer gets a fence longer than its own');
    assert.ok(t.trimEnd().endsWith('Answer with the JSON object only.'));
  });

  test('the judge is the strongest installed model other than the model under test', () => {
    const models = [
      fakeModel({ name: 'qwen2.5-coder:1.5b' }),
      fakeModel({ name: 'qwen2.5-coder:7b' }),
      fakeModel({ name: 'qwen3:30b-a3b' }),
      fakeModel({ name: 'qwen2.5-coder:32b-base' }),
      fakeModel({ name: 'nomic-embed-text' }),
    ];
    const forSmall = chooseJudge(models, 'qwen2.5-coder:1.5b');
    assert.ok(forSmall.ok);
    assert.equal(forSmall.model.name, 'qwen3:30b-a3b');
    const forMoe = chooseJudge(models, 'qwen3:30b-a3b:latest');
    assert.ok(forMoe.ok);
    assert.equal(forMoe.model.name, 'qwen2.5-coder:7b');
    const preferred = chooseJudge(models, 'qwen3:30b-a3b', 'qwen2.5-coder:1.5b');
    assert.ok(preferred.ok);
    assert.equal(preferred.model.name, 'qwen2.5-coder:1.5b');
    const self = chooseJudge(models, 'qwen3:30b-a3b', 'qwen3:30b-a3b');
    assert.equal(self.ok, false);
    const alone = chooseJudge([fakeModel({ name: 'a:7b' })], 'a:7b');
    assert.ok(!alone.ok);
    assert.match(alone.reason, /no installed chat model other than a:7b/);
  });
});
