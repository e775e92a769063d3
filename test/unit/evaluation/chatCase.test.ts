import * as assert from 'node:assert/strict';
import { parseCasesFile, suiteTask } from '../../../src/evaluation/cases';
import { addChatCase, chatAnswerCaseSchema, chatSuitePromptFile } from '../../../src/evaluation/chatCase';
import { parsePromptFile } from '../../../src/prompts/format';

const liked = chatAnswerCaseSchema.parse({ message: 'How do I reverse a list in Python?', answer: 'Use slicing:\n```python\nxs[::-1]\n```', rating: 'liked' });

suite('evaluation: save a chat answer as a test case', () => {
  test('a liked answer becomes a case in a new chat suite file: the message as variable, a criterion quoting it, a code-block check', () => {
    const added = addChatCase(undefined, liked, false, 'chat');
    assert.ok(added.ok);
    const suite = parseCasesFile(added.text, 'chat-answers.cases.yaml');
    assert.deepEqual(suite.problems, []);
    assert.equal(suite.task, 'chat');
    const c = suite.cases[0];
    assert.equal(c?.name, 'liked: How do I reverse a list in Python?');
    assert.deepEqual(c?.vars, { message: 'How do I reverse a list in Python?' });
    assert.match(c?.rubric[0] ?? '', /^Is as correct and complete as this answer the user liked: «Use slicing: ```python xs\[::-1\] ```»$/);
    assert.deepEqual(c?.spec.checks, [{ type: 'code-block', language: 'python' }]);
    // The chat suite's prompt sends the message itself.
    const prompt = parsePromptFile(chatSuitePromptFile(), 'chat-answers.tiered.md');
    assert.ok(prompt.ok);
    assert.equal(prompt.prompt.body.trim(), '${input:message}');
  });

  test('a disliked answer to a saved prompt is added to its file: comments and other cases kept, names kept unique', () => {
    const existing = '# my review cases\ntask: review\ncases:\n  # the classic\n  - name: "disliked: Review"\n    checks: [{ type: finding-at-line, line: 3 }]\n  - name: broken one\n    checks: [{ type: nope }]\n';
    const input = chatAnswerCaseSchema.parse({ promptName: 'Review', message: '', answer: 'Looks fine to me.', rating: 'disliked', vars: { focus: 'bugs' }, selection: 'let x = a[i + 1];', language: 'typescript' });
    const added = addChatCase(existing, input, true);
    assert.ok(added.ok);
    assert.equal(added.name, 'disliked: Review (2)');
    assert.ok(added.text.startsWith('# my review cases\ntask: review\ncases:\n  # the classic\n'), added.text);
    const suite = parseCasesFile(added.text, 'review.cases.yaml');
    assert.deepEqual(
      suite.cases.map((c) => c.name),
      ['disliked: Review', 'disliked: Review (2)'],
    );
    assert.equal(suite.problems.length, 1, 'the broken case is still there, still reported');
    const c = suite.cases[1];
    assert.deepEqual(c?.vars, { focus: 'bugs' });
    assert.equal(c?.selection, 'let x = a[i + 1];');
    assert.match(c?.rubric[0] ?? '', /^Avoids what was wrong with this answer the user disliked .*«Looks fine to me\.»$/);
    assert.equal(c?.spec.checks, undefined, 'no code-block check for a disliked answer');
  });

  test('a cases file that does not read is never overwritten; bad arguments are refused by the schema', () => {
    const broken = addChatCase('cases: [unclosed', liked, false);
    assert.equal(broken.ok, false);
    assert.match(broken.ok ? '' : broken.message, /does not read .* nothing was written/);
    const notAList = addChatCase('cases: 3\n', liked, false);
    assert.equal(notAList.ok, false);
    assert.equal(chatAnswerCaseSchema.safeParse({ message: 'x', answer: '', rating: 'liked' }).success, false);
    assert.equal(chatAnswerCaseSchema.safeParse({ message: 'x', answer: 'y', rating: 'meh' }).success, false);
    assert.equal(chatAnswerCaseSchema.safeParse({ message: 'x', answer: 'y', rating: 'liked', command: 'rm -rf' }).success, false);
  });

  test('a suite\'s task: written, else read from its checks; a bad task is reported and the rest still runs', () => {
    const review = parseCasesFile('cases:\n  - name: a\n    checks: [{ type: finding-at-line, line: 2 }]\n', 'r.cases.yaml');
    assert.equal(suiteTask(review), 'review');
    const completion = parseCasesFile('cases:\n  - name: a\n    checks: [{ type: similar, expected: "x", min: 0.8 }]\n', 'c.cases.yaml');
    assert.equal(suiteTask(completion), 'inlineCompletion');
    const plain = parseCasesFile('cases:\n  - name: a\n    rubric: [Says hello]\n', 'p.cases.yaml');
    assert.equal(suiteTask(plain), 'savedPrompt');
    const bad = parseCasesFile('task: reviews\ncases:\n  - name: a\n    rubric: [Says hello]\n', 'p.cases.yaml');
    assert.equal(bad.cases.length, 1);
    assert.match(bad.problems[0]?.message ?? '', /task: must be one of inlineCompletion, chat, explain, review, savedPrompt/);
    assert.equal(suiteTask(bad), 'savedPrompt');
  });
});
