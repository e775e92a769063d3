import * as assert from 'node:assert/strict';
import { classify, isBorderline, moeMinFiles, moeMinLines } from '../../../src/routing/classify';
import type { BorderlineClassifier } from '../../../src/routing/classify';

suite('routing/classify', () => {
  test('inline completion is always code-tier work with full confidence', () => {
    const c = classify({ task: 'inlineCompletion', text: 'design a distributed race condition', code: { lines: 5000, chars: 200_000, fileCount: 9 } });
    assert.equal(c.tier, 'code');
    assert.equal(c.confidence, 1);
    assert.deepEqual(c.reasons, ['inline completion → code tier (fast fill-in-the-middle model)']);
  });

  test('quick questions in several languages → small', () => {
    for (const text of ['What does ?. mean in TypeScript?', 'Wie füge ich zwei Dictionaries in Python zusammen?', 'Python 怎么逐行读取文件？', '¿Cómo renombro una rama en git?']) {
      assert.equal(classify({ task: 'chat', text }).tier, 'small', text);
    }
  });

  test('a short "what is / what does X mean" question is quick whatever its topic (issue 16: "what is a mutex?" went to moe)', () => {
    for (const text of ['what is a mutex?', 'What is event sourcing?', 'what does CQRS stand for', 'Was bedeutet Nebenläufigkeit?', '什么是死锁？', 'デッドロックとは？', 'Что такое гонка данных?']) {
      const c = classify({ task: 'chat', text });
      assert.equal(c.tier, 'small', `${text}: ${c.reasons.join(' | ')}`);
      assert.ok(c.features.definitional, text);
      assert.ok(c.reasons.some((r) => r.startsWith('short definitional question')), text);
    }
  });

  test('definitional wording with code, a system of yours or a diagnosis to make is not a definition', () => {
    const cases: [string, number][] = [
      ['What is the race condition in our checkout service that double-charges customers?', 0],
      ['What is the best way to make our event consumers idempotent across 12 services?', 0],
      ['What does it mean when heap usage keeps growing after every request in production?', 0],
      ['What is the deadlock here?', 12],
    ];
    for (const [text, lines] of cases) {
      const c = classify({ task: 'chat', text, ...(lines > 0 ? { code: { lines, chars: lines * 40, fileCount: 1 } } : {}) });
      assert.equal(c.features.definitional, false, text);
      assert.notEqual(c.tier, 'small', text);
    }
    // A review is never a definition, however it is worded.
    assert.equal(classify({ task: 'review', text: 'What is this?', code: { lines: 40, chars: 1600, fileCount: 1 } }).features.definitional, false);
  });

  test('hard vocabulary in several languages → moe, naming the category', () => {
    const cases: [string, RegExp][] = [
      ['We keep hitting a deadlock between two worker pools; how should we restructure the locking?', /concurrency \(deadlock/],
      ['我们的 Go 服务在高并发下偶尔死锁，应该怎么排查？', /concurrency/],
      ['Welche Architektur würdest du für die Synchronisation empfehlen? Bitte mit Vor- und Nachteilen.', /architecture\/design \(architecture, trade-offs/],
      ['Please audit our login flow for security vulnerabilities', /security/],
    ];
    for (const [text, reason] of cases) {
      const c = classify({ task: 'chat', text });
      assert.equal(c.tier, 'moe', text);
      assert.ok(c.reasons.some((r) => reason.test(r)), `${text}: ${c.reasons.join(' | ')}`);
    }
  });

  test('a long stack trace or goroutine panic counts as hard evidence; a one-frame TypeError does not', () => {
    const panic = 'panic: runtime error\n\ngoroutine 12 [running]:\nmain.(*Pool).run(0x0)\n\t/src/pool.go:57 +0x2a\nmain.main()\n\t/src/main.go:20 +0x1c\n';
    const p = classify({ task: 'chat', text: panic });
    assert.equal(p.features.hasStackTrace, true);
    assert.ok(p.features.stackFrames >= 2, `${p.features.stackFrames}`);
    assert.ok(p.features.hardScore >= 1);
    const simple = classify({ task: 'chat', text: 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n    x = 1 + "a"\nTypeError: unsupported operand' });
    assert.equal(simple.tier, 'code');
    assert.equal(simple.features.localError, true);
  });

  test('code size: selection lines and file counts move the tier', () => {
    const explain = (lines: number, fileCount = 1) => classify({ task: 'explain', text: 'Explain this', code: { lines, chars: lines * 40, fileCount } });
    assert.equal(explain(3).tier, 'small');
    assert.equal(explain(40).tier, 'code');
    assert.ok(explain(40).reasons.includes('code of 40 lines → code tier'));
    assert.equal(explain(moeMinLines).tier, 'moe');
    assert.equal(explain(50, moeMinFiles).tier, 'moe');
  });

  test('fenced code pasted into a chat counts as code lines', () => {
    const c = classify({ task: 'chat', text: 'Refactor this:\n```js\n' + 'x++;\n'.repeat(20) + '```' });
    assert.equal(c.features.codeLines, 20);
    assert.equal(c.tier, 'code');
  });

  test('reviews are at least code-tier work, even of short code', () => {
    assert.equal(classify({ task: 'review', text: 'Review this', code: { lines: 8, chars: 200, fileCount: 1 } }).tier, 'code');
  });

  test('words: CJK text is counted, not zero', () => {
    assert.ok(classify({ task: 'chat', text: 'マイクロサービス間でトランザクションの整合性をどう保つべきですか' }).features.words >= 10);
  });

  test('degenerate inputs still classify with reasons', () => {
    for (const text of ['', '   ', '\u0000', '🙂'.repeat(5000), 'a'.repeat(1_000_000)]) {
      const c = classify({ task: 'chat', text });
      assert.ok(c.reasons.length > 0);
      assert.ok(c.confidence > 0 && c.confidence <= 1);
    }
  });

  test('borderline detection and the (off by default) model classifier hook type', async () => {
    const unsure = classify({ task: 'explain', text: 'Explain this function', code: { lines: 12, chars: 400, fileCount: 1 } });
    const sure = classify({ task: 'chat', text: 'how do I reverse a list in python' });
    assert.equal(isBorderline(unsure), true);
    assert.equal(isBorderline(sure), false);
    // A caller-provided hook compiles against the exported type and sees the features.
    const hook: BorderlineClassifier = async (req) => (req.features.codeLines > 10 ? 'code' : undefined);
    assert.equal(await hook({ task: 'explain', text: 'x', features: unsure.features, heuristic: unsure.tier }), 'code');
  });

  test('deterministic', () => {
    const input = { task: 'chat' as const, text: 'Why does this integration test fail about 1 in 30 runs on CI but never locally?' };
    assert.deepEqual(classify(input), classify({ ...input }));
  });
});
