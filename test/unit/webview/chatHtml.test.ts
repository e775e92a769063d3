import * as assert from 'node:assert/strict';
import { chatHtml } from '../../../src/providers/chat/chatHtml';
import { createNonce } from '../../../src/util/nonce';

suite('chat webview HTML and CSP', () => {
  const input = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x/dist/webview/chat.js', styleUri: 'https://x/dist/webview/chat.css' };

  test('a strict CSP: nothing by default, only our nonce\'d script, our styles, no remote content', () => {
    const html = chatHtml({ ...input, nonce: 'abc123' });
    // The attribute value as the browser reads it (entities decoded).
    const csp = (/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('script-src'), "'nonce-abc123'");
    assert.equal(directives.get('style-src'), input.cspSource);
    assert.equal(directives.get('img-src'), `${input.cspSource} data:`);
    assert.equal(directives.get('connect-src'), "'none'");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  test('one script, external, carrying the nonce; no inline script or globals', () => {
    const html = chatHtml({ ...input, nonce: 'n0nce' });
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]?.[1] ?? '', /nonce="n0nce"/);
    assert.match(scripts[0]?.[1] ?? '', /src="https:\/\/x\/dist\/webview\/chat\.js"/);
    assert.equal(scripts[0]?.[2], '');
    assert.doesNotMatch(html, /\son\w+=/);
  });

  test('nonces are fresh and unguessable', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => createNonce()));
    assert.equal(nonces.size, 100);
    for (const n of nonces) {
      assert.ok(Buffer.from(n, 'base64').length === 16);
    }
    assert.notEqual(/nonce-([^']+)/.exec(chatHtml(input))?.[1], /nonce-([^']+)/.exec(chatHtml(input))?.[1]);
  });
});
