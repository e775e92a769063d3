import * as assert from 'node:assert/strict';
import { parseWebviewMessage, type WebviewToHost } from '../../../src/webview/protocol';

suite('webview protocol validation', () => {
  test('accepts every well-formed webview message', () => {
    const valid: WebviewToHost[] = [
      { type: 'ready' },
      { type: 'send', text: 'hello' },
      { type: 'stop' },
      { type: 'regenerate', messageId: 'm1' },
      { type: 'retryBiggerTier', messageId: 'm1' },
      { type: 'adjust', messageId: 'm1', style: 'shorter' },
      { type: 'adjust', messageId: 'm1', style: 'moreDetail' },
      { type: 'editAndResend', messageId: 'm1', text: 'again' },
      { type: 'switchBranch', messageId: 'm1' },
      { type: 'codeAction', action: 'insert', code: 'x = 1', language: 'python' },
      { type: 'codeAction', action: 'diff', code: '' },
      { type: 'showEarlier' },
      { type: 'newConversation' },
      { type: 'switchConversation', conversationId: 'c' },
      { type: 'renameConversation', conversationId: 'c', title: 'T' },
      { type: 'deleteConversation', conversationId: 'c' },
      { type: 'undoDelete', conversationId: 'c' },
      { type: 'search', requestId: 'r', query: 'toml' },
      { type: 'exportConversation', conversationId: 'c', format: 'markdown' },
      { type: 'importConversation' },
      { type: 'setModelChoice', choice: { kind: 'auto' } },
      { type: 'setModelChoice', choice: { kind: 'tier', tier: 'moe' } },
      { type: 'setModelChoice', choice: { kind: 'model', model: 'qwen2.5-coder:7b', endpointId: 'ollama' } },
      { type: 'removeChip', chipId: 'selection' },
      { type: 'pickFile' },
      { type: 'errorAction', action: 'pullModel', messageId: 'm1' },
      { type: 'savePrompt', messageId: 'm1' },
      { type: 'saveAsTestCase', messageId: 'm1', rating: 'liked' },
      { type: 'saveAsTestCase', messageId: 'm1', rating: 'disliked' },
    ];
    for (const message of valid) {
      const parsed = parseWebviewMessage(message);
      assert.ok(parsed.ok, `${JSON.stringify(message)}: ${parsed.ok ? '' : parsed.reason}`);
      assert.deepEqual(parsed.message, message);
    }
  });

  test('rejects malformed or hostile messages with a reason', () => {
    const invalid: Array<[unknown, RegExp]> = [
      [null, /./],
      ['ready', /./],
      [{}, /type/],
      [{ type: 'runShell', command: 'rm -rf /' }, /type/],
      [{ type: 'send' }, /text/],
      [{ type: 'send', text: '   ' }, /empty message/],
      [{ type: 'send', text: 42 }, /text/],
      [{ type: 'send', text: 'x'.repeat(1_000_001) }, /text/],
      [{ type: 'regenerate', messageId: '' }, /messageId/],
      [{ type: 'codeAction', action: 'exec', code: 'x' }, /action/],
      [{ type: 'adjust', messageId: 'm', style: 'louder' }, /style/],
      [{ type: 'saveAsTestCase', messageId: 'm', rating: 'meh' }, /rating/],
      [{ type: 'setModelChoice', choice: { kind: 'tier', tier: 'huge' } }, /choice/],
      [{ type: 'setModelChoice', choice: { kind: 'model', model: '' } }, /choice/],
      [{ type: 'exportConversation', conversationId: 'c', format: 'html' }, /format/],
      [{ type: 'errorAction', action: 'eval' }, /action/],
      [{ type: 'renameConversation', conversationId: 'c', title: '' }, /title/],
    ];
    for (const [data, reason] of invalid) {
      const parsed = parseWebviewMessage(data);
      assert.equal(parsed.ok, false, JSON.stringify(data)?.slice(0, 80));
      assert.ok(!parsed.ok && reason.test(parsed.reason), `${JSON.stringify(data)?.slice(0, 80)} -> ${parsed.ok ? '' : parsed.reason}`);
    }
  });

  test('a source chip click and the codebase toggle: well-formed ones pass, others are dropped with a reason', () => {
    const valid: WebviewToHost[] = [
      { type: 'openSource', messageId: 'm1', path: 'src/csv.ts', startLine: 1, endLine: 28 },
      { type: 'setCodebase', enabled: false },
    ];
    for (const message of valid) {
      const parsed = parseWebviewMessage(message);
      assert.ok(parsed.ok && JSON.stringify(parsed.message) === JSON.stringify(message), JSON.stringify(message));
    }
    const invalid: Array<[unknown, RegExp]> = [
      [{ type: 'openSource', messageId: 'm1', path: '', startLine: 1, endLine: 2 }, /path/],
      [{ type: 'openSource', messageId: 'm1', path: 'a.ts', startLine: 0, endLine: 2 }, /startLine/],
      [{ type: 'openSource', messageId: 'm1', path: 'a.ts', startLine: 1.5, endLine: 2 }, /startLine/],
      [{ type: 'openSource', messageId: 'm1', path: 'a.ts', startLine: 1, endLine: '9' }, /endLine/],
      [{ type: 'openSource', path: 'a.ts', startLine: 1, endLine: 2 }, /messageId/],
      [{ type: 'openSource', messageId: 'm1', path: 'x'.repeat(5000), startLine: 1, endLine: 2 }, /path/],
      [{ type: 'setCodebase', enabled: 'yes' }, /enabled/],
      [{ type: 'setCodebase' }, /enabled/],
    ];
    for (const [data, reason] of invalid) {
      const parsed = parseWebviewMessage(data);
      assert.ok(!parsed.ok && reason.test(parsed.reason), `${JSON.stringify(data).slice(0, 80)} -> ${parsed.ok ? 'accepted' : parsed.reason}`);
    }
  });

  test('drops unknown extra fields instead of passing them through', () => {
    const parsed = parseWebviewMessage({ type: 'stop', __proto__: { polluted: true }, extra: 'x' });
    assert.ok(parsed.ok);
    assert.deepEqual(Object.keys(parsed.message), ['type']);
  });
});
